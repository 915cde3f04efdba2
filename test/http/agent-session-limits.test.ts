import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AGENT_SESSION_LIMITS } from '../../src/core/agents/agent-sessions.js';
import { AppError, ErrorCode } from '../../src/core/errors.js';
import { agentClient, assertError } from '../support/chat-clients.js';
import { databaseTargets } from '../support/databases.js';
import { send } from '../support/http-client.js';
import { accountSeed, applySeed, startTestServer, type TestServer } from '../support/test-server.js';

interface Envelope {
  error: { message: string; responseStatus: string };
}

for (const target of await databaseTargets()) {
  describe(`live agent sessions are capped on ${target.name}`, { skip: target.unavailable }, () => {
    let server: TestServer;
    const { accountId, seed } = accountSeed();
    const startSession = (bearer: string) =>
      send(server.baseUrl, 'POST', `/api/account/${accountId}/agentSession.json?v=1&NC=true`, {
        headers: { Authorization: `Bearer ${bearer}` },
        body: { loginData: '' },
      });

    before(async () => {
      server = await startTestServer(target);
      await applySeed(server.core, seed);
    });
    after(async () => server.close());

    it('refuses one agent session more than the limit per login with 409 / 41, until one ends', async () => {
      const agents = agentClient(server.baseUrl, accountId);
      const login = await agents.login('alice', 'alice-pass');
      const hrefs: string[] = [];
      for (let index = 0; index < AGENT_SESSION_LIMITS.perLoginSession; index += 1) {
        const response = await startSession(login.bearer);
        assert.equal(response.status, 201, response.text);
        hrefs.push(response.header('location') ?? '');
      }
      const refused = await startSession(login.bearer);
      assertError(refused, 409, 41);
      const body = refused.json() as Envelope;
      assert.equal(body.error.responseStatus, 'CONFLICT');
      assert.match(body.error.message, new RegExp(`${AGENT_SESSION_LIMITS.perLoginSession} live agent sessions`));
      assert.equal(refused.header('retry-after'), undefined);

      // The same agent on another device (another login) is not held back by the first.
      const other = await agents.login('alice', 'alice-pass');
      assert.equal((await startSession(other.bearer)).status, 201);

      const first = new URL(hrefs[0]!).pathname;
      const ended = await send(server.baseUrl, 'DELETE', `${first}.json?v=1&NC=true`, {
        headers: { Authorization: `Bearer ${login.bearer}` },
      });
      assert.ok(ended.status >= 200 && ended.status < 300, ended.text);
      assert.equal((await startSession(login.bearer)).status, 201);
      const live = await server.store.agentSessions.listLive(accountId);
      assert.equal(live.filter((session) => session.userId === 2001).length, AGENT_SESSION_LIMITS.perLoginSession + 1);
    });

    it('caps the sessions of one user across callers without a login session (as OAuth 1.0 ones are)', async () => {
      const user = await server.store.users.get(accountId, 2003);
      assert.ok(user !== undefined);
      const caller = { user, loginSessionId: null };
      for (let index = 0; index < AGENT_SESSION_LIMITS.perUser; index += 1) {
        await server.core.agents.sessions.start(accountId, caller);
      }
      await assert.rejects(
        server.core.agents.sessions.start(accountId, caller),
        (error: unknown) => error instanceof AppError && error.code === ErrorCode.CONFLICT,
      );
      const live = await server.store.agentSessions.listLive(accountId);
      assert.equal(live.filter((session) => session.userId === 2003).length, AGENT_SESSION_LIMITS.perUser);
    });

    it('lets racing starts of one login pass the limit not even by one', async () => {
      const login = await agentClient(server.baseUrl, accountId).login('boss', 'boss-pass');
      const answers = await Promise.all(
        Array.from({ length: AGENT_SESSION_LIMITS.perLoginSession + 10 }, () => startSession(login.bearer)),
      );
      assert.equal(answers.filter((answer) => answer.status === 201).length, AGENT_SESSION_LIMITS.perLoginSession);
      assert.ok(answers.every((answer) => answer.status === 201 || answer.status === 409));
    });
  });
}
