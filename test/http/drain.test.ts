import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChatState } from '../../src/core/chats/chat-model.js';
import { drainAndClose } from '../../src/http/drain.js';
import { chatsInState } from '../support/chats-in-state.js';
import { databaseTargets } from '../support/databases.js';
import { assertDrainRefusal, openRaw, parseResponses } from '../support/raw-socket.js';
import { accountSeed, applySeed, startTestServer, type TestServer } from '../support/test-server.js';

const [sqlite] = await databaseTargets();

/**
 * Short, so that a regression fails in seconds; still far longer than the few event-loop turns the
 * server takes to read the head written just after the drain begins, even on a busy machine.
 */
const DRAIN_DEADLINE_MS = 5_000;

/**
 * Sends `/health` and then `head` on one connection, the head's last line only once the drain has
 * begun (so the connection is busy, not idle, when it begins); returns the answer to `head`.
 */
async function answerDuringDrain(server: TestServer, head: string, rest: string) {
  const connection = await openRaw(server.baseUrl);
  connection.write(`GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n${head}`);
  await connection.waitFor(/"status":"ok"/);
  // The answer comes as the head arrives, long before this deadline: the deadline is only what
  // ends the test if a regression lets the request hang (then no answer arrives and it fails).
  const drained = drainAndClose(server.app, DRAIN_DEADLINE_MS);
  connection.write(rest);
  await connection.closed();
  await drained;
  const [, answer] = parseResponses(connection.received());
  assert.ok(answer !== undefined, connection.received());
  return answer;
}

describe('draining the app', () => {
  it('refuses a request that arrives on a busy connection during the drain with 503, Retry-After and Connection: close', async () => {
    const server = await startTestServer(sqlite!);
    const { seed } = accountSeed();
    await applySeed(server.core, seed);
    // Closed whatever happens: a failure must end the file at once, not leave the store open.
    try {
      const account = seed.accounts[0]!;
      const body = JSON.stringify({ request: {} });
      const refused = await answerDuringDrain(
        server,
        `POST /api/account/${account.id}/chat/request.json?v=1&NC=true&appKey=${account.appKeys[0]} HTTP/1.1\r\n` +
          `Host: 127.0.0.1\r\nContent-Type: application/json\r\n`,
        `Content-Length: ${body.length}\r\n\r\n${body}`,
      );
      assertDrainRefusal(refused, refused.body);
      // Refused before its handler: no chat was started.
      for (const state of Object.values(ChatState)) {
        assert.deepEqual(await chatsInState(server, account.id, state), [], `no ${state} chat`);
      }
    } finally {
      await server.close();
    }
  });

  it('still answers a CORS preflight during the drain, so that a browser can read the 503 that follows', async () => {
    const server = await startTestServer(sqlite!);
    try {
      const preflight = await answerDuringDrain(
        server,
        'OPTIONS /api/account/12345678/chat/request.json HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
          'Origin: https://shop.example\r\nAccess-Control-Request-Method: POST\r\n',
        '\r\n',
      );
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://shop.example');
      assert.equal(preflight.headers.get('connection'), 'close');
    } finally {
      await server.close();
    }
  });
});
