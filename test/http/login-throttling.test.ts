import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { PasswordHasher } from '../../src/core/ports.js';
import { createBoundedHasher } from '../../src/security/bounded-hasher.js';
import { databaseTargets } from '../support/databases.js';
import { send, type HttpResponse } from '../support/http-client.js';
import { accountSeed, applySeed, startTestServer, type TestServer } from '../support/test-server.js';

interface Envelope {
  error: { time: string; message: string; internalCode: number; responseStatus: string };
}

/** The documented envelope (platform §1.5) with the Login Service's time form. */
function assertRefused(response: HttpResponse, status: number, internalCode: number, retryAfter: string): void {
  assert.equal(response.status, status, response.text);
  assert.equal(response.header('content-type'), 'application/json');
  assert.equal(response.header('retry-after'), retryAfter);
  const { error } = response.json() as Envelope;
  assert.equal(error.internalCode, internalCode);
  assert.match(error.time, /^[A-Z][a-z]{2} \d{1,2}, \d{4} \d{1,2}:\d{2}:\d{2} [AP]M$/);
}

const ATTACKER = '203.0.113.9';
const OFFICE = '198.51.100.7';

for (const target of await databaseTargets()) {
  describe(`login throttling on ${target.name}`, { skip: target.unavailable }, () => {
    // Five failures per user from one address, then one every 30 s; eight from one address.
    const budgets = {
      loginBudget: { burst: 5, perSecond: 1 / 30 },
      loginAddressBudget: { burst: 8, perSecond: 1 / 15 },
    };
    let server: TestServer;
    let untrusting: TestServer;
    const { accountId, key, seed } = accountSeed();

    /** A login from `address`, as a trusted proxy reports it. */
    const login = (address: string, username: string, password: string, via = server) =>
      send(via.baseUrl, 'POST', `/api/account/${accountId}/login?v=1.3`, {
        body: { username, password },
        headers: { 'X-Forwarded-For': address },
      });

    before(async () => {
      server = await startTestServer(target, { ...budgets, http: { trustProxy: true } });
      untrusting = await startTestServer(target, budgets);
      await applySeed(server.core, seed);
      await applySeed(untrusting.core, seed);
    });
    after(async () => {
      await server.close();
      await untrusting.close();
    });

    it('lets a user log in from elsewhere while one address keeps failing against their user name', async () => {
      for (let i = 0; i < 5; i += 1) assert.equal((await login(ATTACKER, 'alice', `guess-${i}`)).status, 401);
      assertRefused(await login(ATTACKER, 'alice', 'guess-5'), 429, 50, '30');
      // Refused before any hashing: even the right password is not tried from there now.
      assertRefused(await login(ATTACKER, 'alice', 'alice-pass'), 429, 50, '30');
      for (let i = 0; i < 3; i += 1) assert.equal((await login(OFFICE, 'alice', 'alice-pass')).status, 200);
      // The user's own mistakes from elsewhere are counted there, apart from the attacker's.
      assert.equal((await login(OFFICE, 'alice', 'typo')).status, 401);
      assert.equal((await login(OFFICE, 'alice', 'alice-pass')).status, 200);
    });

    it('forgives a locked-out address one attempt at a time as time passes', async () => {
      const address = '203.0.113.20';
      for (let i = 0; i < 5; i += 1) assert.equal((await login(address, 'boss', 'wrong')).status, 401);
      assertRefused(await login(address, 'boss', 'wrong'), 429, 50, '30');
      server.clock.advance(29_000);
      assertRefused(await login(address, 'boss', 'boss-pass'), 429, 50, '1');
      server.clock.advance(1_000);
      assert.equal((await login(address, 'boss', 'wrong')).status, 401);
      assertRefused(await login(address, 'boss', 'boss-pass'), 429, 50, '30');
      server.clock.advance(30_000);
      assert.equal((await login(address, 'boss', 'boss-pass')).status, 200);
    });

    it('does not count successful logins as failures', async () => {
      const address = '203.0.113.30';
      for (let i = 0; i < 20; i += 1) assert.equal((await login(address, 'alice', 'alice-pass')).status, 200);
      for (let i = 0; i < 4; i += 1) {
        assert.equal((await login(address, 'alice', 'wrong')).status, 401);
        // A right password between failures neither counts nor, being one, wipes them out.
        assert.equal((await login(address, 'alice', 'alice-pass')).status, 200);
      }
      assert.equal((await login(address, 'alice', 'wrong')).status, 401);
      assertRefused(await login(address, 'alice', 'alice-pass'), 429, 50, '30');
    });

    it('throttles password spraying: many user names from one address', async () => {
      const address = '203.0.113.40';
      for (let i = 0; i < 8; i += 1) assert.equal((await login(address, `user${i}`, 'Summer2026!')).status, 401);
      assertRefused(await login(address, 'user8', 'Summer2026!'), 429, 50, '15');
      assertRefused(await login(address, 'alice', 'alice-pass'), 429, 50, '15');
      // Nobody else is affected: another address fails and succeeds as before.
      assert.equal((await login('203.0.113.41', 'user8', 'Summer2026!')).status, 401);
      assert.equal((await login('203.0.113.41', 'alice', 'alice-pass')).status, 200);
    });

    it('counts an IPv6 source by its /64, so rotating addresses within it does not help', async () => {
      for (let i = 0; i < 8; i += 1) {
        assert.equal((await login(`2001:db8:7:7::${i + 1}`, `user${i}`, 'wrong')).status, 401);
      }
      assertRefused(await login('2001:db8:7:7:ffff::99', 'user9', 'wrong'), 429, 50, '15');
      assert.equal((await login('2001:db8:7:8::1', 'user9', 'wrong')).status, 401);
    });

    it('counts failed API-key logins, and not the ones with the right secrets', async () => {
      const address = '203.0.113.50';
      const keyLogin = (secret: string) =>
        send(server.baseUrl, 'POST', `/api/account/${accountId}/login`, {
          body: {
            username: 'echo-bot',
            appKey: key.appKey,
            secret,
            accessToken: key.accessToken,
            accessTokenSecret: key.accessTokenSecret,
          },
          headers: { 'X-Forwarded-For': address },
        });
      for (let i = 0; i < 10; i += 1) assert.equal((await keyLogin(key.secret)).status, 200);
      for (let i = 0; i < 5; i += 1) assert.equal((await keyLogin('wrong')).status, 401);
      assertRefused(await keyLogin(key.secret), 429, 50, '30');
    });

    it('ignores X-Forwarded-For unless the proxy is trusted, so a client cannot choose its address', async () => {
      for (let i = 0; i < 5; i += 1) {
        assert.equal((await login(`192.0.2.${i}`, 'alice', 'wrong', untrusting)).status, 401);
      }
      assertRefused(await login('192.0.2.99', 'alice', 'wrong', untrusting), 429, 50, '30');
    });
  });

  describe(`logins while hashing is saturated on ${target.name}`, { skip: target.unavailable }, () => {
    let server: TestServer;
    const { accountId, seed } = accountSeed();
    /** Once closed, holds every verification back until opened; counts the ones held. */
    let gate: Promise<void> | undefined;
    let openGate = () => {};
    let held = 0;
    const holding = (cheap: PasswordHasher): PasswordHasher => ({
      hash: (plain) => cheap.hash(plain),
      async verify(plain, hash) {
        held += 1;
        await gate;
        held -= 1;
        return cheap.verify(plain, hash);
      },
    });

    before(async () => {
      server = await startTestServer(target, {
        loginBudget: { burst: 2, perSecond: 1 / 30 },
        // One hash at a time and none waiting: a second login meanwhile is refused at once.
        hasher: (cheap) => createBoundedHasher(holding(cheap), { concurrency: 1, maxQueued: 0, retryAfterMs: 2_000 }),
      });
      await applySeed(server.core, seed);
    });
    after(() => server.close());

    const login = (password: string) =>
      send(server.baseUrl, 'POST', `/api/account/${accountId}/login`, { body: { username: 'alice', password } });

    it('answers 503 with Retry-After when hashing is saturated, and that attempt is no failure', async () => {
      gate = new Promise((resolve) => (openGate = resolve));
      const first = login('alice-pass');
      // Poll (no fixed sleep) until the first login holds the one hashing turn.
      const deadline = Date.now() + 30_000;
      while (held === 0) {
        assert.ok(Date.now() < deadline, 'the first login never reached the hasher');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assertRefused(await login('wrong'), 503, 99, '2');
      openGate();
      assert.equal((await first).status, 200);
      // The refused attempt took nothing from the budget of two failures.
      assert.equal((await login('wrong')).status, 401);
      assert.equal((await login('wrong')).status, 401);
      assertRefused(await login('wrong'), 429, 50, '30');
    });
  });
}
