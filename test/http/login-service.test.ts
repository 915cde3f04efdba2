import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AppError, ErrorCode } from '../../src/core/errors.js';
import { digest } from '../../src/core/tokens.js';
import { databaseTargets } from '../support/databases.js';
import { assertGolden, normalizedJson } from '../support/golden.js';
import { send, type HttpResponse } from '../support/http-client.js';
import { accountSeed, applySeed, startTestServer, type TestServer } from '../support/test-server.js';

const LOGIN_TIME = /^[A-Z][a-z]{2} \d{1,2}, \d{4} \d{1,2}:\d{2}:\d{2} [AP]M$/;

interface Envelope {
  error: { time: string; message: string; internalCode: number; responseStatus: string };
}

/** Asserts the documented error envelope (platform §1.5) with the Login Service's time form. */
function assertEnvelope(
  response: HttpResponse,
  status: number,
  internalCode: number,
  responseStatus: string,
): Envelope {
  assert.equal(response.status, status, response.text);
  assert.equal(response.header('content-type'), 'application/json');
  const body = response.json() as Envelope;
  assert.deepEqual(Object.keys(body.error), ['time', 'message', 'internalCode', 'responseStatus']);
  assert.match(body.error.time, LOGIN_TIME);
  assert.equal(body.error.internalCode, internalCode);
  assert.equal(body.error.responseStatus, responseStatus);
  assert.equal(typeof body.error.message, 'string');
  return body;
}

interface LoginBody {
  bearer: string;
  csrf: string;
  sessionId: string;
  sessionTTl: string;
  config: { userId: string; userPid: string; loginName: string; isAdmin: boolean };
  csdsCollectionResponse: { baseURIs: { service: string; account: string; baseURI: string }[] };
}

const cookieOf = (response: HttpResponse): string => {
  const setCookie = response.header('set-cookie') ?? '';
  const match = /^session_id=([^;]+)/.exec(setCookie);
  assert.ok(match?.[1], `no session cookie in ${setCookie}`);
  return match[1];
};

for (const target of await databaseTargets()) {
  describe(`Login Service over HTTP on ${target.name}`, { skip: target.unavailable }, () => {
    let server: TestServer;
    const { accountId, key, seed } = accountSeed();
    const other = accountSeed();

    const post = (path: string, body?: unknown, headers: Record<string, string> = {}) =>
      send(server.baseUrl, 'POST', path, { body, headers });
    const login = (username = 'alice', password = 'alice-pass', account = accountId) =>
      post(`/api/account/${account}/login?v=1.3`, { username, password });
    const sessionCount = async () => (await server.store.loginSessions.listForUser(accountId, 2001)).length;

    before(async () => {
      server = await startTestServer(target);
      await applySeed(server.core, seed);
      await applySeed(server.core, other.seed);
    });
    after(() => server.close());

    describe('User Login (L1)', () => {
      it('answers 200 with the login object, a session cookie and exactly application/json', async () => {
        const response = await login();
        assert.equal(response.status, 200);
        assert.equal(response.header('content-type'), 'application/json');
        assert.equal(response.header('cache-control'), 'no-cache, no-store');
        const body = response.json() as LoginBody;
        const cookie = cookieOf(response);
        // Plain HTTP: no Secure flag, or cookie jars would never send it back (platform §4.6).
        assert.equal(response.header('set-cookie'), `session_id=${cookie}; Path=/; HttpOnly`);
        assert.equal(body.sessionId, cookie);
        assert.match(body.bearer, /^[0-9a-f]{64}$/);
        assert.match(body.csrf, /^[0-9a-f]{64}$/);
        assert.notEqual(body.bearer, body.csrf);
        assert.equal(body.sessionTTl, '28800000');
        assert.equal(body.config.userId, '2001');
        assert.deepEqual(
          body.csdsCollectionResponse.baseURIs.map((entry) => entry.service),
          ['agentVep', 'conversationVep', 'smt'],
        );
        assertGolden(
          'login/user-login.json',
          normalizedJson(body, { [cookie]: '<cookie>', [body.config.userPid]: '<pid>', [accountId]: '<account>' })
            .replace(/"wsuk": "\d+"/, '"wsuk": "<digits>"')
            .replace(/"serverCurrentTime": \d+/, '"serverCurrentTime": <epoch-ms>'),
        );
      });

      it('keeps only digests of the tokens in the store', async () => {
        const body = (await login()).json() as LoginBody;
        const stored = await server.store.loginSessions.findByBearerHash(digest(body.bearer));
        assert.ok(stored);
        const row = JSON.stringify(stored);
        for (const token of [body.bearer, body.csrf, body.sessionId]) assert.ok(!row.includes(token));
      });

      it('accepts v=1.2, no v, a doubled ? and a .json suffix', async () => {
        for (const path of [
          `/api/account/${accountId}/login?v=1.2`,
          `/api/account/${accountId}/login`,
          `/api/account/${accountId}/login??v=1&NC=true`,
          `/api/account/${accountId}/login.json?v=1.3`,
        ]) {
          const response = await post(path, { username: 'alice', password: 'alice-pass' });
          assert.equal(response.status, 200, `${path}: ${response.text}`);
        }
      });

      it('matches the login name case-insensitively and accepts a charset on the content type', async () => {
        const response = await post(
          `/api/account/${accountId}/login`,
          JSON.stringify({ username: 'ALICE', password: 'alice-pass' }),
          { 'Content-Type': 'application/json; charset=UTF-8' },
        );
        assert.equal(response.status, 200);
        assert.equal((response.json() as LoginBody).config.loginName, 'alice');
      });

      it('refuses a wrong password or an unknown user alike, with 401 / 20, and stores no session', async () => {
        const before = await sessionCount();
        const wrong = assertEnvelope(await login('alice', 'nope'), 401, 20, 'UNAUTHORIZED');
        const unknown = assertEnvelope(await login('mallory', 'nope'), 401, 20, 'UNAUTHORIZED');
        assert.equal(wrong.error.message, unknown.error.message);
        assert.equal(await sessionCount(), before);
      });

      it('answers an unknown account with 401 / 6 and a malformed account id with 400 / 40', async () => {
        assertEnvelope(await login('alice', 'alice-pass', '99999999'), 401, 6, 'UNAUTHORIZED');
        assertEnvelope(await login('alice', 'alice-pass', 'bad-account!'), 400, 40, 'BAD_REQUEST');
      });

      it('answers malformed bodies with 400 / 40', async () => {
        const path = `/api/account/${accountId}/login?v=1.3`;
        assertEnvelope(
          await post(path, '{"username": "alice",', { 'Content-Type': 'application/json' }),
          400,
          40,
          'BAD_REQUEST',
        );
        assertEnvelope(await post(path, '["alice"]', { 'Content-Type': 'application/json' }), 400, 40, 'BAD_REQUEST');
        assertEnvelope(await post(path), 400, 40, 'BAD_REQUEST');
        assertEnvelope(await post(path, { username: 'alice', password: '' }), 400, 40, 'BAD_REQUEST');
        assertEnvelope(await post(path, { username: 'alice', password: 42 }), 400, 40, 'BAD_REQUEST');
        assertEnvelope(
          await post(path, '<login><username>alice</username>', { 'Content-Type': 'application/xml' }),
          400,
          40,
          'BAD_REQUEST',
        );
      });

      it('refuses a disabled user with 401 / 21 and a password-less API user with 401 / 21', async () => {
        await server.core.administration.addUser(accountId, {
          loginName: 'carol',
          password: 'carol-pass',
          skills: [],
          maxChats: 3,
          role: 'agent',
        });
        assert.equal((await login('carol', 'carol-pass')).status, 200);
        await server.core.administration.disableUser(accountId, 'carol');
        assertEnvelope(await login('carol', 'carol-pass'), 401, 21, 'UNAUTHORIZED');
        assertEnvelope(await login('echo-bot', 'anything'), 401, 21, 'UNAUTHORIZED');
      });

      it('refuses SAML assertions (not configured) with 401 / 21', async () => {
        const response = await post(`/api/account/${accountId}/login?v=1.3`, { jwt: 'dummy', assertion: 'PHNhbWw+' });
        assertEnvelope(response, 401, 21, 'UNAUTHORIZED');
      });

      it('answers other methods with 405 / 44 and an Allow header, also through method override', async () => {
        const get = await send(server.baseUrl, 'GET', `/api/account/${accountId}/login`);
        assertEnvelope(get, 405, 44, 'METHOD_NOT_ALLOWED');
        assert.equal(get.header('allow'), 'POST');
        const overridden = await post(
          `/api/account/${accountId}/login`,
          { username: 'alice', password: 'alice-pass' },
          {
            'X-HTTP-Method-Override': 'DELETE',
          },
        );
        assertEnvelope(overridden, 405, 44, 'METHOD_NOT_ALLOWED');
      });
    });

    describe('Application Login (L2)', () => {
      const appLogin = (overrides: Record<string, string> = {}) =>
        post(`/api/account/${accountId}/login?v=1.3`, {
          username: 'echo-bot',
          appKey: key.appKey,
          secret: key.secret,
          accessToken: key.accessToken,
          accessTokenSecret: key.accessTokenSecret,
          ...overrides,
        });

      it('logs a bot in with its four key values', async () => {
        const response = await appLogin();
        assert.equal(response.status, 200, response.text);
        const body = response.json() as LoginBody;
        assert.equal(body.config.userId, '2003');
        assert.equal(body.config.loginName, 'echo-bot');
      });

      it('refuses any wrong key value with 401 / 20', async () => {
        for (const field of ['appKey', 'secret', 'accessToken', 'accessTokenSecret']) {
          assertEnvelope(await appLogin({ [field]: 'wrong' }), 401, 20, 'UNAUTHORIZED');
        }
      });

      it('refuses a user the key is not bound to with 401 / 21', async () => {
        assertEnvelope(await appLogin({ username: 'alice' }), 401, 21, 'UNAUTHORIZED');
      });

      it('refuses a key without the User Login permission with 401 / 21', async () => {
        const limited = accountSeed();
        const bot = limited.seed.accounts[0]!.users[2]!;
        Object.assign(bot.apiKeys![0]!, { permissions: ['administration:users'] });
        await applySeed(server.core, limited.seed);
        const response = await post(`/api/account/${limited.accountId}/login`, {
          username: 'echo-bot',
          ...limited.key,
        });
        assertEnvelope(response, 401, 21, 'UNAUTHORIZED');
      });

      it('answers a missing key field with 400 / 40', async () => {
        const response = await post(`/api/account/${accountId}/login`, { username: 'echo-bot', appKey: key.appKey });
        assertEnvelope(response, 400, 40, 'BAD_REQUEST');
      });
    });

    describe('Refresh (L4) and Logout (L5)', () => {
      const refresh = (cookie: string | undefined, csrf: unknown, account = accountId, cookieName = 'session_id') =>
        post(
          `/api/account/${account}/refresh?v=1.3`,
          csrf === undefined ? undefined : { csrf },
          cookie === undefined ? {} : { Cookie: `${cookieName}=${cookie}` },
        );
      const logout = (cookie: string, csrf: string) =>
        post(`/api/account/${accountId}/logout`, { csrf }, { Cookie: `session_id=${cookie}` });

      it('refreshes with the cookie and csrf: 200 with an empty body', async () => {
        const response = await login();
        const body = response.json() as LoginBody;
        const refreshed = await refresh(cookieOf(response), body.csrf);
        assert.equal(refreshed.status, 200);
        assert.equal(refreshed.text, '');
        assert.equal(refreshed.header('content-length'), '0');
      });

      it('slides the expiry on refresh; bearer use alone does not', async () => {
        const first = await login();
        const kept = first.json() as LoginBody;
        const idle = (await login()).json() as LoginBody;
        server.clock.advance(7 * 3_600_000);
        assert.equal((await refresh(cookieOf(first), kept.csrf)).status, 200);
        await server.core.sessions.authenticateBearer(accountId, idle.bearer);
        server.clock.advance(2 * 3_600_000);
        await server.core.sessions.authenticateBearer(accountId, kept.bearer);
        await assert.rejects(
          server.core.sessions.authenticateBearer(accountId, idle.bearer),
          isCode(ErrorCode.SESSION_INVALID),
        );
      });

      it('answers a refresh of an expired session with 401 / 30', async () => {
        const response = await login();
        const body = response.json() as LoginBody;
        server.clock.advance(8 * 3_600_000 + 1);
        assertEnvelope(await refresh(cookieOf(response), body.csrf), 401, 30, 'UNAUTHORIZED');
      });

      it('answers a csrf mismatch with 401 / 10 and the documented message', async () => {
        const response = await login();
        const envelope = assertEnvelope(await refresh(cookieOf(response), 'f'.repeat(64)), 401, 10, 'UNAUTHORIZED');
        assert.equal(
          envelope.error.message,
          'CSRF token invalid! The CSRF token on request does not match the CSRF token on the session',
        );
      });

      it('accepts the cookie under any capitalisation', async () => {
        const response = await login();
        const body = response.json() as LoginBody;
        assert.equal((await refresh(cookieOf(response), body.csrf, accountId, 'Session_id')).status, 200);
      });

      it('answers a missing or unknown cookie, or one of another account, with 401 / 30', async () => {
        const response = await login();
        const body = response.json() as LoginBody;
        assertEnvelope(await refresh(undefined, body.csrf), 401, 30, 'UNAUTHORIZED');
        assertEnvelope(await refresh('not-a-session', body.csrf), 401, 30, 'UNAUTHORIZED');
        assertEnvelope(await refresh(cookieOf(response), body.csrf, other.accountId), 401, 30, 'UNAUTHORIZED');
      });

      it('answers refresh and logout with neither cookie nor csrf with 401 / 30, not 400', async () => {
        for (const name of ['refresh', 'logout']) {
          const path = `/api/account/${accountId}/${name}`;
          assertEnvelope(await post(path), 401, 30, 'UNAUTHORIZED');
          assertEnvelope(await post(path, {}), 401, 30, 'UNAUTHORIZED');
          assertEnvelope(await post(path, { other: 1 }), 401, 30, 'UNAUTHORIZED');
          // An unknown cookie is no session either.
          assertEnvelope(await post(path, {}, { Cookie: 'session_id=not-a-session' }), 401, 30, 'UNAUTHORIZED');
        }
      });

      it('answers a body without csrf with 400 / 40', async () => {
        const response = await login();
        assertEnvelope(await refresh(cookieOf(response), undefined), 400, 40, 'BAD_REQUEST');
        assertEnvelope(await refresh(cookieOf(response), 12), 400, 40, 'BAD_REQUEST');
      });

      it('logs out: 200 empty, the cookie cleared, bearer and cookie refused from then on', async () => {
        const response = await login();
        const body = response.json() as LoginBody;
        const cookie = cookieOf(response);
        const ended: string[] = [];
        const unsubscribe = server.core.deps.bus.subscribe('login-session.ended', (event) => ended.push(event.reason));
        const out = await logout(cookie, body.csrf);
        unsubscribe();
        assert.equal(out.status, 200);
        assert.equal(out.text, '');
        assert.equal(out.header('set-cookie'), 'session_id=; Max-Age=0; Path=/');
        assert.deepEqual(ended, ['logout']);
        assertEnvelope(await refresh(cookie, body.csrf), 401, 30, 'UNAUTHORIZED');
        assertEnvelope(await logout(cookie, body.csrf), 401, 30, 'UNAUTHORIZED');
        await assert.rejects(
          server.core.sessions.authenticateBearer(accountId, body.bearer),
          isCode(ErrorCode.SESSION_INVALID),
        );
      });

      it('refuses a logout with the wrong csrf with 401 / 10 and keeps the session', async () => {
        const response = await login();
        const body = response.json() as LoginBody;
        assertEnvelope(await logout(cookieOf(response), 'a'.repeat(64)), 401, 10, 'UNAUTHORIZED');
        assert.equal((await refresh(cookieOf(response), body.csrf)).status, 200);
      });
    });

    describe('session lifetime', () => {
      it('sweeps expired sessions and announces each one', async () => {
        const body = (await login()).json() as LoginBody;
        const ended: string[] = [];
        const unsubscribe = server.core.deps.bus.subscribe('login-session.ended', (event) => ended.push(event.reason));
        server.clock.advance(8 * 3_600_000);
        const swept = await server.core.sessions.sweepExpired();
        unsubscribe();
        assert.ok(swept >= 1);
        assert.ok(ended.length === swept && ended.every((reason) => reason === 'expired'));
        assert.equal(await server.store.loginSessions.findByBearerHash(digest(body.bearer)), undefined);
      });

      it('ends the oldest session beyond the per-user cap', async () => {
        const capped = accountSeed();
        Object.assign(capped.seed.accounts[0]!, { settings: { maxLoginSessionsPerUser: 2 } });
        await applySeed(server.core, capped.seed);
        const sessions = [];
        for (let i = 0; i < 3; i += 1) {
          server.clock.advance(1);
          sessions.push((await login('alice', 'alice-pass', capped.accountId)).json() as LoginBody);
        }
        await assert.rejects(
          server.core.sessions.authenticateBearer(capped.accountId, sessions[0]!.bearer),
          isCode(ErrorCode.SESSION_INVALID),
        );
        for (const kept of sessions.slice(1))
          await server.core.sessions.authenticateBearer(capped.accountId, kept.bearer);
      });

      it('honours refreshGraceMs: a session not refreshed within it ends early', async () => {
        const graced = accountSeed();
        Object.assign(graced.seed.accounts[0]!, { settings: { refreshGraceMs: 1_800_000 } });
        await applySeed(server.core, graced.seed);
        const response = await login('alice', 'alice-pass', graced.accountId);
        const body = response.json() as LoginBody;
        server.clock.advance(1_700_000);
        const refreshed = await post(
          `/api/account/${graced.accountId}/refresh`,
          { csrf: body.csrf },
          {
            Cookie: `session_id=${cookieOf(response)}`,
          },
        );
        assert.equal(refreshed.status, 200);
        server.clock.advance(1_800_001);
        await assert.rejects(
          server.core.sessions.authenticateBearer(graced.accountId, body.bearer),
          isCode(ErrorCode.SESSION_INVALID),
        );
      });
    });

    describe('bearer tokens', () => {
      it('are refused on another account with 401 / 6 (ACCOUNT_INVALID)', async () => {
        const body = (await login()).json() as LoginBody;
        await assert.rejects(
          server.core.sessions.authenticateBearer(other.accountId, body.bearer),
          isCode(ErrorCode.ACCOUNT_INVALID),
        );
        const who = await server.core.sessions.authenticateBearer(accountId, body.bearer);
        assert.equal(who.user.loginName, 'alice');
      });

      it('of a disabled user are refused at once', async () => {
        await server.core.administration.addUser(accountId, {
          loginName: 'dave',
          password: 'dave-pass',
          skills: [],
          maxChats: 1,
          role: 'agent',
        });
        const body = (await login('dave', 'dave-pass')).json() as LoginBody;
        await server.core.administration.disableUser(accountId, 'dave');
        await assert.rejects(
          server.core.sessions.authenticateBearer(accountId, body.bearer),
          isCode(ErrorCode.SESSION_INVALID),
        );
      });
    });
  });
}

function isCode(code: string) {
  return (error: unknown) => error instanceof AppError && error.code === code;
}
