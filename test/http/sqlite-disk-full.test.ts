import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DatabaseLocation } from '../../src/store/open-store.js';
import { visitorClient, type WireEvent } from '../support/chat-clients.js';
import { requireServices, type DatabaseTarget } from '../support/databases.js';
import { send } from '../support/http-client.js';
import {
  acceptAs,
  accountSeed,
  applySeed,
  putAgentOnline,
  startTestServer,
  type TestServer,
} from '../support/test-server.js';

/** The disk the database lives on: small, so that filling it is quick. */
const DISK_SIZE = '16m';
/** Left free by the filler file: room for a few lines' pages before the disk refuses. */
const LEFT_FREE_BYTES = 160 * 1024;
const DEADLINE_MS = 30_000;

/** Mounts a tmpfs of its own (tests run as root in CI); undefined and a reason when it cannot. */
function mountSmallDisk(): { dir: string } | { problem: string } {
  const dir = mkdtempSync(join(tmpdir(), 'parley-disk-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${DISK_SIZE}`, 'tmpfs', dir], { stdio: 'pipe' });
    return { dir };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const problem = `cannot mount a tmpfs (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`;
    if (requireServices) throw new Error(`${problem}; PARLEY_TEST_REQUIRE_SERVICES=1 requires it`);
    return { problem };
  }
}

const disk = mountSmallDisk();

/** Polls until `check` holds; fails after the deadline instead of hanging. */
async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`${what} did not happen within ${DEADLINE_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('a SQLite database on a full disk', { skip: 'problem' in disk ? disk.problem : false }, () => {
  const dir = 'dir' in disk ? disk.dir : '';
  const location: DatabaseLocation = { kind: 'sqlite', path: join(dir, 'parley.db') };
  // The database is this test's own disk: nothing to create or drop.
  const onDisk: DatabaseTarget = {
    name: 'sqlite',
    unavailable: undefined,
    create: async () => ({ location, drop: async () => undefined }),
  };
  const fillerPath = join(dir, 'filler');
  const { accountId, seed } = accountSeed();
  const appKey = seed.accounts[0]!.appKeys[0]!;
  let server: TestServer | undefined;
  let chatId: string;

  before(async () => {
    server = await startTestServer(onDisk, { database: location });
    await applySeed(server.core, seed);
    await putAgentOnline(server, accountId, 2001);
    chatId = await visitorClient(server.baseUrl, accountId, appKey).start({ skill: 'Sales' });
    await acceptAs(server, accountId, chatId, 2001);
  });
  after(async () => {
    await server?.close();
    try {
      execFileSync('umount', [dir], { stdio: 'pipe' });
    } catch {
      // Still busy (a test failed half-way): detach it so that nothing is left mounted.
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const postLine = (baseUrl: string, text: string) =>
    send(baseUrl, 'POST', `/api/account/${accountId}/chat/${chatId}/events.json?v=1&NC=true&appKey=${appKey}`, {
      body: { event: { '@type': 'line', text } },
    });
  const visitorLines = async (baseUrl: string): Promise<WireEvent[]> => {
    const events = await visitorClient(baseUrl, accountId, appKey).events(chatId);
    return events.filter((event) => event['@type'] === 'line' && event.source === 'visitor');
  };
  const health = async (baseUrl: string) => {
    const response = await send(baseUrl, 'GET', '/health');
    return { status: response.status, body: response.json() };
  };

  it('answers 503 while the disk is full, turns unhealthy, and loses nothing acknowledged', async () => {
    assert.ok(server !== undefined);
    const { baseUrl } = server;
    // Most of the disk goes to a filler file; lines take the rest.
    const stats = statfsSync(dir);
    writeFileSync(fillerPath, Buffer.alloc(Math.max(0, stats.bavail * stats.bsize - LEFT_FREE_BYTES)));
    const acknowledged: string[] = [];
    const padding = 'p'.repeat(2_000);
    let refusal: Awaited<ReturnType<typeof send>> | undefined;
    for (let n = 0; n < 1_000 && refusal === undefined; n += 1) {
      const text = `line ${n} ${padding}`;
      const response = await postLine(baseUrl, text);
      if (response.status === 201) acknowledged.push(text);
      else refusal = response;
    }
    assert.ok(refusal !== undefined, 'the disk never filled up');
    assert.ok(acknowledged.length > 0, 'no line was stored before the disk filled up');
    assert.equal(refusal.status, 503, refusal.text);
    assert.equal(refusal.header('retry-after'), '5');
    assert.equal((refusal.json() as { error: { internalCode: number } }).error.internalCode, 99);
    assert.deepEqual(await health(baseUrl), { status: 503, body: { status: 'unavailable', store: 'disk-full' } });

    // Space is freed: the server notices by itself and takes writes again.
    unlinkSync(fillerPath);
    await eventually('health turning ok', async () => (await health(baseUrl)).status === 200);
    assert.deepEqual((await health(baseUrl)).body, { status: 'ok', store: 'ok' });
    const afterwards = await postLine(baseUrl, 'after the disk was freed');
    assert.equal(afterwards.status, 201, afterwards.text);
    const expected = [...acknowledged, 'after the disk was freed'];
    const lines = await visitorLines(baseUrl);
    assert.deepEqual(
      lines.map((line) => line.text),
      expected,
    );

    // And after a restart on the same file.
    await server.close();
    server = undefined;
    server = await startTestServer(onDisk, { database: location });
    const events = await visitorClient(server.baseUrl, accountId, appKey).events(chatId);
    assert.deepEqual(
      events.filter((event) => event['@type'] === 'line' && event.source === 'visitor').map((line) => line.text),
      expected,
    );
    // No refused change left a gap or a stray event: ids run 0, 1, 2, … without a hole.
    assert.deepEqual(
      events.map((event) => Number(event['@id'])),
      events.map((_, index) => index),
    );
    assert.equal((await postLine(server.baseUrl, 'after the restart')).status, 201);
  });
});
