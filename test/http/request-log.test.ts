import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { databaseTargets } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { send } from '../support/http-client.js';
import { relayAccount } from '../support/relay-account.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { requestLogOptions } from '../../src/http/request-log.js';

interface LogLine {
  level: number;
  msg: string;
  reqId: string;
  req?: { method: string; url: string; remoteAddress: string };
  res?: { statusCode: number };
  responseTime?: number;
}

// The request log is the same over either store: SQLite only.
const [sqlite] = await databaseTargets();

describe('the request log', () => {
  let server: TestServer;
  const written: string[] = [];

  before(async () => {
    server = await startTestServer(sqlite!, {
      logger: { ...requestLogOptions('info'), stream: { write: (line: string) => void written.push(line) } },
    });
  });
  after(() => server.close());

  /** What was logged while `work` ran. */
  async function logged(work: () => Promise<void>): Promise<{ lines: LogLine[]; text: string }> {
    const from = written.length;
    await work();
    // The line is written as the answer finishes; the client may have its body a moment before.
    await new Promise((resolve) => setImmediate(resolve));
    const text = written.slice(from).join('');
    return {
      lines: text
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as LogLine),
      text,
    };
  }

  it('has one line per request, written when it is answered, with the URL as sent, and never a credential', async () => {
    const room = await relayAccount(server);
    const chatId = await room.chatting();
    const { lines, text } = await logged(async () => {
      const waiting = server.core.chats.watch.size();
      const held = send(server.baseUrl, 'GET', `${room.session.path}/chat/${chatId}/events.json?from=4&wait=20`, {
        headers: { authorization: `Bearer ${room.session.bearer}` },
      });
      // Held for sure, then for at least 50 ms more: its line must say it waited (below).
      await eventually('the long-poll to wait', () => server.core.chats.watch.size() > waiting);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await room.visitor.say(chatId, 'hello');
      assert.equal((await held).status, 200);
      const refused = await send(server.baseUrl, 'GET', `${room.session.path}/chat/${chatId}/events.json`, {
        headers: { authorization: 'Bearer not-a-bearer-0123456789', cookie: 'session_id=secret-cookie' },
      });
      assert.equal(refused.status, 401);
    });
    assert.deepEqual(
      lines.map((line) => [line.msg, line.req?.method, line.req?.url.split('?')[0], line.res?.statusCode]),
      [
        ['request completed', 'POST', `/api/account/${room.accountId}/chat/${chatId}/events.json`, 201],
        ['request completed', 'GET', `${room.session.path}/chat/${chatId}/events.json`, 200],
        ['request completed', 'GET', `${room.session.path}/chat/${chatId}/events.json`, 401],
      ],
    );
    for (const line of lines) {
      assert.equal(line.level, 30);
      assert.equal(typeof line.responseTime, 'number');
      assert.match(line.reqId, /^req-/);
      assert.equal(line.req?.remoteAddress, '127.0.0.1');
    }
    // The held request's line comes after the line that woke it, with the time it was held.
    assert.ok(lines[1]!.responseTime! >= 40, String(lines[1]!.responseTime));
    for (const secret of [room.session.bearer, 'not-a-bearer-0123456789', 'secret-cookie']) {
      assert.ok(!text.includes(secret), `${secret} was logged`);
    }
  });

  it('writes the successful answers of a typing flag at debug, not info; its failures still at info', async () => {
    const room = await relayAccount(server);
    const chatId = await room.chatting();
    const typing = `/chat/${chatId}/info/visitorTyping.json`;
    const { lines } = await logged(async () => {
      assert.equal((await room.visitor.post(typing, { visitorTyping: 'typing' })).status, 200);
      assert.equal((await room.visitor.get(`/chat/${chatId}/info/agentTyping.json`)).status, 200);
      assert.equal((await room.visitor.post(typing, { visitorTyping: 'maybe' })).status, 400);
    });
    assert.deepEqual(
      lines.map((line) => [line.msg, line.req?.method, line.req?.url.split('?')[0], line.res?.statusCode]),
      [['request completed', 'POST', `/api/account/${room.accountId}${typing}`, 400]],
    );
  });
});
