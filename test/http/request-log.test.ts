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

const DEBUG = 20;
const INFO = 30;

// The request log is the same over either store: SQLite only.
const [sqlite] = await databaseTargets();

describe('the request log', () => {
  let server: TestServer;
  const written: string[] = [];

  before(async () => {
    server = await startTestServer(sqlite!, {
      // At debug, so that the routine lines are seen too, each with its level.
      logger: { ...requestLogOptions('debug'), stream: { write: (line: string) => void written.push(line) } },
    });
  });
  after(() => server.close());

  /** [level, method, path, status] of request lines: what a test compares. */
  const brief = (lines: LogLine[]) =>
    lines
      .filter((line) => line.msg === 'request completed')
      .map((line) => [line.level, line.req?.method, line.req?.url.split('?')[0], line.res?.statusCode]);

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
    // A read of events is routine (debug) when it succeeds; a line posted and a refusal are info.
    assert.deepEqual(
      lines.map((line) => [line.msg, line.level, line.req?.method, line.req?.url.split('?')[0], line.res?.statusCode]),
      [
        ['request completed', INFO, 'POST', `/api/account/${room.accountId}/chat/${chatId}/events.json`, 201],
        ['request completed', DEBUG, 'GET', `${room.session.path}/chat/${chatId}/events.json`, 200],
        ['request completed', INFO, 'GET', `${room.session.path}/chat/${chatId}/events.json`, 401],
      ],
    );
    for (const line of lines) {
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

  it("writes a healthy node's /health at debug, as a load balancer asks it every few seconds", async () => {
    const { lines } = await logged(async () => {
      assert.equal((await send(server.baseUrl, 'GET', '/health')).status, 200);
      assert.equal((await send(server.baseUrl, 'GET', '/healthz')).status, 404);
    });
    assert.deepEqual(brief(lines), [
      [DEBUG, 'GET', '/health', 200],
      [INFO, 'GET', '/healthz', 404],
    ]);
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
    const visitorPath = `/api/account/${room.accountId}/chat/${chatId}/info`;
    assert.deepEqual(brief(lines), [
      [DEBUG, 'POST', `${visitorPath}/visitorTyping.json`, 200],
      [DEBUG, 'GET', `${visitorPath}/agentTyping.json`, 200],
      [INFO, 'POST', `${visitorPath}/visitorTyping.json`, 400],
    ]);
  });

  it('writes the polls of both APIs at debug, JSON or XML, and every change at info', async () => {
    const room = await relayAccount(server);
    const agent = (method: string, path: string, body?: unknown) =>
      send(server.baseUrl, method, `${room.session.path}${path}`, {
        headers: { authorization: `Bearer ${room.session.bearer}` },
        ...(body === undefined ? {} : { body }),
      });
    const chat = `/api/account/${room.accountId}/chat`;
    let chatId = '';
    const { lines } = await logged(async () => {
      chatId = await room.visitor.start({ skill: 'Sales' });
      assert.equal((await room.visitor.get(`/chat/${chatId}/estimatedWaitTime.json`)).status, 200);
      assert.equal((await agent('GET', '/incomingRequests.xml')).status, 200);
      assert.equal(await room.session.accept(), chatId);
      for (const suffix of ['.json', '.xml']) {
        assert.equal((await agent('GET', `/chat/${chatId}/info/visitorTyping${suffix}`)).status, 200);
        assert.equal((await agent('GET', `/chat/${chatId}/info/agentTyping${suffix}`)).status, 200);
        assert.equal((await room.visitor.get(`/chat/${chatId}/info/agentTyping${suffix}`)).status, 200);
        assert.equal((await room.visitor.get(`/chat/${chatId}/info/visitorTyping${suffix}`)).status, 200);
      }
      assert.equal(
        (await agent('PUT', `/chat/${chatId}/info/agentTyping.json`, { agentTyping: 'typing' })).status,
        200,
      );
      assert.equal((await agent('GET', `/chat/${chatId}.xml?from=4`)).status, 200);
      assert.equal((await agent('GET', `/chat/${chatId}/events.json?from=4`)).status, 200);
      assert.equal((await room.visitor.get(`/chat/${chatId}.json?from=4`)).status, 200);
      assert.equal((await room.visitor.get(`/chat/${chatId}/events.xml?from=4`)).status, 200);
      await room.session.say(chatId, 'hello');
    });
    const at = (path: string) =>
      path.replace('{chat}', `${chat}/${chatId}`).replace('{agent}', `${room.session.path}/chat/${chatId}`);
    const byLevel = (level: number) =>
      brief(lines)
        .filter(([lineLevel]) => lineLevel === level)
        .map(([, method, path, status]) => [method, path, status]);
    // At info the log tells the chat's course: started, accepted, a line.
    assert.deepEqual(byLevel(INFO), [
      ['POST', `${chat}/request.json`, 201],
      ['POST', `${room.session.path}/incomingRequests.json`, 201],
      ['POST', at('{agent}/events.json'), 201],
    ]);
    const typingReads = ['.json', '.xml'].flatMap((suffix) => [
      ['GET', at(`{agent}/info/visitorTyping${suffix}`), 200],
      ['GET', at(`{agent}/info/agentTyping${suffix}`), 200],
      ['GET', at(`{chat}/info/agentTyping${suffix}`), 200],
      ['GET', at(`{chat}/info/visitorTyping${suffix}`), 200],
    ]);
    assert.deepEqual(byLevel(DEBUG), [
      ['GET', at('{chat}/estimatedWaitTime.json'), 200],
      ['GET', `${room.session.path}/incomingRequests.xml`, 200],
      ...typingReads,
      ['PUT', at('{agent}/info/agentTyping.json'), 200],
      ['GET', at('{agent}.xml'), 200],
      ['GET', at('{agent}/events.json'), 200],
      ['GET', at('{chat}.json'), 200],
      ['GET', at('{chat}/events.xml'), 200],
    ]);
  });
});
