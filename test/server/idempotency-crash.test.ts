import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { z } from 'zod';
import { AgentClient, VisitorClient } from '../../packages/sdk/src/index.js';
import { listOf } from '../support/chat-clients.js';
import { eventually } from '../support/eventually.js';
import { startParley, type ParleyProcess } from '../support/parley-process.js';
import { openRaw } from '../support/raw-socket.js';

// The real `parley serve`, killed with SIGKILL right after it committed a keyed line
// (docs/adr/0009-idempotency-keys.md): the client never reads the answer, retries
// on the restarted server with the same key, and the line is stored once.
const DEMO_ACCOUNT = '41325501';
const DEMO_APP_KEY = 'a7847cc4c098c5b6faaa26f2af8c4a72';

const dir = mkdtempSync(join(tmpdir(), 'parley-idempotency-crash-'));
const processes: ParleyProcess[] = [];
after(() => {
  for (const running of processes) running.kill();
  rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<ParleyProcess> {
  const running = await startParley(dir);
  processes.push(running);
  return running;
}

const linesPath = (chatId: string) =>
  `/api/account/${DEMO_ACCOUNT}/chat/${chatId}/events.json?v=1&NC=true&appKey=${DEMO_APP_KEY}`;
const storedEvent = z.object({ id: z.number() });
const wireEvent = z.object({ source: z.string().optional(), text: z.string().optional() });
const eventsBody = z.object({ events: z.object({ event: z.union([wireEvent, z.array(wireEvent)]).optional() }) });

describe('Idempotency-Key across a real crash', () => {
  it('stores a line once when the server was killed after committing it and the retry reaches the restarted server', async () => {
    const first = await start();
    const alice = await AgentClient.login({
      baseUrl: first.url,
      accountId: DEMO_ACCOUNT,
      username: 'alice',
      password: 'alice-demo-pass',
    });
    await alice.setAvailability('Online');
    const visitor = await VisitorClient.startChat({
      baseUrl: first.url,
      accountId: DEMO_ACCOUNT,
      appKey: DEMO_APP_KEY,
      skill: 'Sales',
      keepAliveMs: 0,
    });
    assert.ok((await alice.acceptNext()) !== null, 'the chat rang at alice');

    const key = randomUUID();
    const text = 'in flight at the crash';
    const payload = JSON.stringify({ event: { '@type': 'line', text } });
    const url = new URL(first.url);
    const post = await openRaw(first.url);
    post.write(
      `POST ${linesPath(visitor.id)} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\n` +
        `Idempotency-Key: ${key}\r\nContent-Length: ${payload.length}\r\n\r\n${payload}`,
    );

    // Committed is what the database file says; the answer is never read. Then the crash.
    const reader = new SQLite(join(dir, 'parley.db'), { readonly: true });
    let committedId: number | undefined;
    try {
      const committed = reader.prepare(
        `select e.id from chat_events e join idempotency_keys k on k.account_id = e.account_id
         where k.key = ? and e.chat_id = ? and e.text = ?`,
      );
      await eventually('the keyed line to be committed', () => {
        const row = committed.get(key, visitor.id, text);
        committedId = row === undefined ? undefined : storedEvent.parse(row).id;
        return committedId !== undefined;
      });
    } finally {
      reader.close();
    }
    first.child.kill('SIGKILL');
    assert.equal((await first.exited).signal, 'SIGKILL');
    post.socket.destroy();

    const second = await start();
    const retry = await fetch(`${second.url}${linesPath(visitor.id)}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key },
      body: payload,
    });
    assert.equal(retry.status, 201, await retry.text());
    assert.match(retry.headers.get('location') ?? '', new RegExp(`/events/${String(committedId)}$`));

    const read = await fetch(`${second.url}${linesPath(visitor.id)}&from=0`);
    assert.equal(read.status, 200);
    const { events } = eventsBody.parse(await read.json());
    const visitorLines = listOf(events.event)
      .filter((event) => event.source === 'visitor')
      .map((event) => event.text);
    assert.deepEqual(visitorLines, [text], 'the retried line is stored once');
    second.child.kill('SIGTERM');
    assert.equal((await second.exited).code, 0);
  });
});
