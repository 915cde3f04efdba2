import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { z } from 'zod';
import { eventually } from '../support/eventually.js';
import {
  DEMO_ACCOUNT,
  DEMO_APP_KEY,
  demoChatAccepted,
  demoVisitor,
  parleyProcesses,
} from '../support/parley-process.js';
import { openRaw } from '../support/raw-socket.js';

// The real `parley serve`, killed with SIGKILL right after it committed a keyed line
// (docs/adr/0009-idempotency-keys.md): the client never reads the answer, retries
// on the restarted server with the same key, and the line is stored once.
const { freshDir, start: startIn } = parleyProcesses('parley-idempotency-crash-');
const dir = freshDir();
const start = () => startIn(dir);

const linesPath = (chatId: string) =>
  `/api/account/${DEMO_ACCOUNT}/chat/${chatId}/events.json?v=1&NC=true&appKey=${DEMO_APP_KEY}`;
const storedEvent = z.object({ id: z.number() });

describe('Idempotency-Key across a real crash', () => {
  it('stores a line once when the server was killed after committing it and the retry reaches the restarted server', async () => {
    const first = await start();
    const chatId = await demoChatAccepted(first.url);

    const key = randomUUID();
    const text = 'in flight at the crash';
    const line = { event: { '@type': 'line', text } };
    const payload = JSON.stringify(line);
    const url = new URL(first.url);
    const post = await openRaw(first.url);
    post.write(
      `POST ${linesPath(chatId)} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\n` +
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
        const row = committed.get(key, chatId, text);
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
    const visitor = demoVisitor(second.url);
    const retry = await visitor.post(`/chat/${chatId}/events.json`, line, { 'Idempotency-Key': key });
    assert.equal(retry.status, 201, retry.text);
    assert.match(retry.header('location') ?? '', new RegExp(`/events/${String(committedId)}$`));

    const visitorLines = (await visitor.events(chatId))
      .filter((event) => event.source === 'visitor')
      .map((event) => event.text);
    assert.deepEqual(visitorLines, [text], 'the retried line is stored once');
    second.child.kill('SIGTERM');
    assert.equal((await second.exited).code, 0);
  });
});
