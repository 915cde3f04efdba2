import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { ChatState } from '../../src/core/chats/chat-model.js';
import { drainAndClose } from '../../src/http/drain.js';
import { databaseTargets } from '../support/databases.js';
import { openRaw, parseResponses } from '../support/raw-socket.js';
import { accountSeed, applySeed, startTestServer } from '../support/test-server.js';

const [sqlite] = await databaseTargets();

/**
 * Short, so that a regression fails in seconds; still far longer than the few event-loop turns the
 * server takes to read the head written just after the drain begins, even on a busy machine.
 */
const DRAIN_DEADLINE_MS = 5_000;

const envelope = z.object({ error: z.object({ internalCode: z.number(), responseStatus: z.string() }) });

describe('draining the app', () => {
  it('refuses a request that arrives on a busy connection during the drain with 503, Retry-After and Connection: close', async () => {
    const server = await startTestServer(sqlite!);
    const { seed } = accountSeed();
    await applySeed(server.core, seed);
    // Closed whatever happens: a failure must end the file at once, not leave the store open.
    try {
      const account = seed.accounts[0]!;
      const body = JSON.stringify({ request: {} });
      const connection = await openRaw(server.baseUrl);
      // The POST's head is unfinished when the drain begins, so the connection is busy, not idle.
      connection.write(
        'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' +
          `POST /api/account/${account.id}/chat/request.json?v=1&NC=true&appKey=${account.appKeys[0]} HTTP/1.1\r\n` +
          `Host: 127.0.0.1\r\nContent-Type: application/json\r\n`,
      );
      await connection.waitFor(/"status":"ok"/);

      // The refusal comes as the head arrives, long before this deadline: the deadline is only what
      // ends the test if a regression lets the request hang (then no 503 arrives and it fails).
      const drained = drainAndClose(server.app, DRAIN_DEADLINE_MS);
      connection.write(`Content-Length: ${body.length}\r\n\r\n${body}`);
      await connection.closed();
      await drained;

      const [, refused] = parseResponses(connection.received());
      assert.equal(refused?.status, 503, connection.received());
      assert.equal(refused.headers.get('retry-after'), '1');
      assert.equal(refused.headers.get('connection'), 'close');
      const { error } = envelope.parse(JSON.parse(refused.body));
      assert.deepEqual(error, { ...error, internalCode: 99, responseStatus: 'SERVICE_UNAVAILABLE' });
      // Refused before its handler: no chat was started.
      for (const state of Object.values(ChatState)) {
        assert.deepEqual(await server.store.chats.listByState(account.id, state), [], `no ${state} chat`);
      }
    } finally {
      await server.close();
    }
  });
});
