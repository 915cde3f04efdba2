import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, statfsSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { DatabaseLocation } from '../../src/store/open-store.js';
import { visitorClient, type WireEvent } from '../support/chat-clients.js';
import { databaseTargets, requireServices } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { send } from '../support/http-client.js';
import {
  acceptAs,
  accountSeed,
  applySeed,
  putAgentOnline,
  startTestServer,
  type TestServer,
} from '../support/test-server.js';

// The SQLite target, its database on this test's own disk (`database:`), which nothing creates or drops.
const [sqlite] = await databaseTargets();

/** The disk the database lives on: small, so that filling it is quick. */
const DISK_SIZE = '16m';
/** Left free by the filler file: room for a few lines' pages before the disk refuses. */
const LEFT_FREE_BYTES = 160 * 1024;

/**
 * Fills the disk of `dir` with a file at `path` until about `leaveFree` bytes are left. In chunks,
 * watching the free space as it goes: the server writes to the same disk meanwhile (a checkpoint),
 * so a size computed once could run out of room. Should the disk fill up all the same, the file
 * gives `leaveFree` back.
 */
function fillDisk(dir: string, path: string, leaveFree: number): void {
  const chunk = Buffer.alloc(64 * 1024);
  const fd = openSync(path, 'w');
  let written = 0;
  try {
    for (;;) {
      const stats = statfsSync(dir);
      if (stats.bavail * stats.bsize - chunk.length < leaveFree) return;
      try {
        written += writeSync(fd, chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
        ftruncateSync(fd, Math.max(0, written - leaveFree));
        return;
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** The gist of an error (a command's output follows its first line). */
const firstLine = (error: unknown) => (error instanceof Error ? error.message.split('\n')[0] : String(error));

/** Mounts a tmpfs of its own on a fresh directory (tests run as root in CI); throws why it cannot. */
function mountSmallDisk(): string {
  const dir = mkdtempSync(join(tmpdir(), 'parley-disk-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${DISK_SIZE}`, 'tmpfs', dir], { stdio: 'pipe' });
    return dir;
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`cannot mount a tmpfs: ${firstLine(error)}`, { cause: error });
  }
}

/**
 * Unmounts and removes `dir`, each step on its own: a step that fails is reported, never thrown, so
 * that it neither hides the test's own failure nor stops the steps after it.
 */
function removeSmallDisk(dir: string): void {
  const attempt = (step: string, work: () => void): boolean => {
    try {
      work();
      return true;
    } catch (error) {
      console.error(`sqlite-disk-full cleanup: ${step} failed: ${firstLine(error)}`);
      return false;
    }
  };
  // Still busy (a test failed half-way): detach it so that nothing is left mounted.
  const unmounted =
    attempt(`umount ${dir}`, () => execFileSync('umount', [dir], { stdio: 'pipe' })) ||
    attempt(`umount -l ${dir}`, () => execFileSync('umount', ['-l', dir], { stdio: 'pipe' }));
  // Never removed while mounted: that would only empty the disk and leave the mount point.
  if (unmounted) attempt(`removing ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
}

describe('a SQLite database on a full disk', () => {
  let dir = '';
  let location: DatabaseLocation = { kind: 'sqlite', path: '' };
  const { accountId, seed } = accountSeed();
  const appKey = seed.accounts[0]!.appKeys[0]!;
  let server: TestServer | undefined;
  let chatId: string;
  /** Why the disk could not be mounted, when that is allowed (outside CI). */
  let skipReason: string | undefined;

  before(async () => {
    try {
      dir = mountSmallDisk();
    } catch (error) {
      // In CI the test must run: a mount that fails fails it, with the reason.
      if (requireServices) throw new Error(`${firstLine(error)}; PARLEY_TEST_REQUIRE_SERVICES=1 requires it`);
      skipReason = firstLine(error);
      return;
    }
    location = { kind: 'sqlite', path: join(dir, 'parley.db') };
    server = await startTestServer(sqlite!, { database: location });
    await applySeed(server.core, seed);
    await putAgentOnline(server, accountId, 2001);
    chatId = await visitorClient(server.baseUrl, accountId, appKey).start({ skill: 'Sales' });
    await acceptAs(server, accountId, chatId, 2001);
  });
  after(async () => {
    try {
      await server?.close();
    } catch (error) {
      console.error(`sqlite-disk-full cleanup: closing the server failed: ${firstLine(error)}`);
    }
    if (dir !== '') removeSmallDisk(dir);
  });

  const visitor = (baseUrl: string) => visitorClient(baseUrl, accountId, appKey);
  const postLine = (baseUrl: string, text: string) =>
    visitor(baseUrl).post(`/chat/${chatId}/events.json`, { event: { '@type': 'line', text } });
  const visitorLines = (events: WireEvent[]): WireEvent[] =>
    events.filter((event) => event['@type'] === 'line' && event.source === 'visitor');
  const health = async (baseUrl: string) => {
    const response = await send(baseUrl, 'GET', '/health');
    return { status: response.status, body: response.json() };
  };

  it('answers 503 while the disk is full, turns unhealthy, and loses nothing acknowledged', async (t) => {
    if (skipReason !== undefined) return t.skip(skipReason);
    assert.ok(server !== undefined);
    const { baseUrl } = server;
    // What the setup wrote is still in the WAL until the server's checkpointer copies it into the
    // database file, which then grows: on a busy machine that could come after the filler and take
    // the room meant for lines. Copied now, from a connection of the test's own.
    const own = new Database(join(dir, 'parley.db'));
    try {
      own.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      own.close();
    }
    // Most of the disk goes to a filler file; lines take the rest.
    const fillerPath = join(dir, 'filler');
    fillDisk(dir, fillerPath, LEFT_FREE_BYTES);
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
    assert.ok(
      acknowledged.length > 0,
      `no line was stored before the disk filled up: ${refusal.status} ${refusal.text}`,
    );
    assert.equal(refusal.status, 503, refusal.text);
    assert.equal(refusal.header('retry-after'), '5');
    assert.equal((refusal.json() as { error: { internalCode: number } }).error.internalCode, 99);
    assert.deepEqual(await health(baseUrl), {
      status: 503,
      body: { status: 'unavailable', ready: false, node: server.core.nodes.id, store: 'disk-full' },
    });

    // Space is freed: the server notices by itself and takes writes again.
    unlinkSync(fillerPath);
    await eventually('health turning ok', async () => (await health(baseUrl)).status === 200, { intervalMs: 100 });
    assert.deepEqual((await health(baseUrl)).body, {
      status: 'ok',
      ready: true,
      node: server.core.nodes.id,
      store: 'ok',
    });
    const afterwards = await postLine(baseUrl, 'after the disk was freed');
    assert.equal(afterwards.status, 201, afterwards.text);
    const expected = [...acknowledged, 'after the disk was freed'];
    assert.deepEqual(
      visitorLines(await visitor(baseUrl).events(chatId)).map((line) => line.text),
      expected,
    );

    // And after a restart on the same file.
    await server.close();
    server = undefined;
    server = await startTestServer(sqlite!, { database: location });
    const events = await visitor(server.baseUrl).events(chatId);
    assert.deepEqual(
      visitorLines(events).map((line) => line.text),
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
