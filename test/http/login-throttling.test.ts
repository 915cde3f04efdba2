import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AppError, ErrorCode } from '../../src/core/errors.js';
import type { PasswordHasher } from '../../src/core/ports.js';
import { knownSourceDigest } from '../../src/core/auth/login-throttle.js';
import { createBoundedHasher } from '../../src/security/bounded-hasher.js';
import { assertJsonError } from '../support/chat-clients.js';
import { databaseTargets } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { send, type HttpResponse } from '../support/http-client.js';
import { accountSeed, applySeed, startTestServer, withRestarts, type TestServer } from '../support/test-server.js';

interface Envelope {
  error: { time: string; message: string; internalCode: number; responseStatus: string };
}

/** The documented envelope (platform §1.5) with Retry-After and the Login Service's time form. */
function assertRefused(response: HttpResponse, status: number, internalCode: number, retryAfter: string): void {
  assertJsonError(response, status, internalCode);
  assert.equal(response.header('retry-after'), retryAfter);
  assert.match((response.json() as Envelope).error.time, /^[A-Z][a-z]{2} \d{1,2}, \d{4} \d{1,2}:\d{2}:\d{2} [AP]M$/);
}

const ATTACKER = '203.0.113.9';
const OFFICE = '198.51.100.7';
const DAY = 86_400_000;

for (const target of await databaseTargets()) {
  describe(`login throttling on ${target.name}`, { skip: target.unavailable }, () => {
    // Five failures per user from one address, then one every 30 s; eight from one address.
    const budgets = {
      loginBudgets: {
        userAtAddress: { burst: 5, perSecond: 1 / 30 },
        address: { burst: 8, perSecond: 1 / 15 },
      },
    };
    let server: TestServer;
    let untrusting: TestServer;
    const { accountId, key, seed } = accountSeed();
    /** Verifications the hasher was asked for: a throttled attempt must not add one. */
    let verifications = 0;
    const counting = (cheap: PasswordHasher): PasswordHasher => ({
      hash: (plain) => cheap.hash(plain),
      verify(plain, hash) {
        verifications += 1;
        return cheap.verify(plain, hash);
      },
    });

    /** A login from `address`, as a trusted proxy reports it. */
    const login = (address: string, username: string, password: string, via = server) =>
      send(via.baseUrl, 'POST', `/api/account/${accountId}/login?v=1.3`, {
        body: { username, password },
        headers: { 'X-Forwarded-For': address },
      });

    before(async () => {
      server = await startTestServer(target, { ...budgets, http: { trustProxy: 1 }, hasher: counting });
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
      const before = verifications;
      assertRefused(await login(ATTACKER, 'alice', 'alice-pass'), 429, 50, '30');
      assert.equal(verifications, before);
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

    it('counts the failures for one user name per IPv6 /64 too, not per address', async () => {
      for (let i = 0; i < 5; i += 1) {
        assert.equal((await login(`2001:db8:6:6::${i + 1}`, 'alice', 'wrong')).status, 401);
      }
      assertRefused(await login('2001:db8:6:6::ff', 'alice', 'wrong'), 429, 50, '30');
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
        loginBudgets: { userAtAddress: { burst: 2, perSecond: 1 / 30 } },
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
      await eventually('the first login to hold the one hashing turn', () => held > 0);
      assertRefused(await login('wrong'), 503, 99, '2');
      openGate();
      assert.equal((await first).status, 200);
      // The refused attempt took nothing from the budget of two failures.
      assert.equal((await login('wrong')).status, 401);
      assert.equal((await login('wrong')).status, 401);
      assertRefused(await login('wrong'), 429, 50, '30');
    });
  });

  describe(`a distributed attack on one user name on ${target.name}`, { skip: target.unavailable }, () => {
    /** Verifications the hasher was asked for: a throttled attempt must not add one. */
    let verifications = 0;
    const options = {
      // Six failures for a user name from everywhere, then one a minute; per address as above.
      loginBudgets: {
        user: { burst: 6, perSecond: 1 / 60 },
        userAtAddress: { burst: 5, perSecond: 1 / 30 },
        address: { burst: 8, perSecond: 1 / 15 },
      },
      http: { trustProxy: 1 },
      hasher: (cheap: PasswordHasher): PasswordHasher => ({
        hash: (plain) => cheap.hash(plain),
        verify(plain, hash) {
          verifications += 1;
          return cheap.verify(plain, hash);
        },
      }),
    };
    let server: TestServer;
    before(async () => {
      server = await startTestServer(target, options);
    });
    after(() => server.close());

    /** A fresh account on `via`, so that no test counts another's failures or sources. */
    const freshAccount = async (via = server) => {
      const { accountId, seed } = accountSeed();
      await applySeed(via.core, seed);
      return accountId;
    };
    const login = (accountId: string, address: string, username: string, password: string, via = server) =>
      send(via.baseUrl, 'POST', `/api/account/${accountId}/login?v=1.3`, {
        body: { username, password },
        headers: { 'X-Forwarded-For': address },
      });
    /** One wrong password for `username` from each of `count` addresses nobody has logged in from. */
    const botnet = async (accountId: string, username: string, count: number, via = server) => {
      for (let i = 0; i < count; i += 1) {
        assert.equal((await login(accountId, `198.18.${i}.${1 + (i % 250)}`, username, `guess-${i}`, via)).status, 401);
      }
    };

    it('throttles a user name failing from many addresses once its ceiling is spent, before any hashing', async () => {
      const accountId = await freshAccount();
      await botnet(accountId, 'alice', 6);
      assertRefused(await login(accountId, '198.18.200.1', 'alice', 'guess-6'), 429, 50, '60');
      // A source that has never logged in as alice is refused too, right password or not, unhashed:
      // the case the ceiling leaves throttled (a new user, a new network) during an attack.
      const before = verifications;
      assertRefused(await login(accountId, '203.0.113.70', 'alice', 'alice-pass'), 429, 50, '60');
      assert.equal(verifications, before);
      // Only that user name: another user logs in from anywhere.
      assert.equal((await login(accountId, '203.0.113.70', 'boss', 'boss-pass')).status, 200);
      // One failure more is admitted a minute later, and counted.
      server.clock.advance(60_000);
      assert.equal((await login(accountId, '198.18.200.2', 'alice', 'guess-7')).status, 401);
      assertRefused(await login(accountId, '198.18.200.3', 'alice', 'guess-8'), 429, 50, '60');
    });

    it('lets the real user log in from an address group they logged in from while the attack goes on', async () => {
      const accountId = await freshAccount();
      assert.equal((await login(accountId, OFFICE, 'alice', 'alice-pass')).status, 200);
      assert.equal((await login(accountId, '2001:db8:5:5::1', 'alice', 'alice-pass')).status, 200);
      await botnet(accountId, 'alice', 6);
      assertRefused(await login(accountId, ATTACKER, 'alice', 'alice-pass'), 429, 50, '60');
      for (let i = 0; i < 3; i += 1) assert.equal((await login(accountId, OFFICE, 'alice', 'alice-pass')).status, 200);
      // Another address of the same IPv6 /64 is the same source.
      assert.equal((await login(accountId, '2001:db8:5:5::99', 'alice', 'alice-pass')).status, 200);
      // The user's own typo there is judged (and counted by that source's own buckets), not refused.
      assert.equal((await login(accountId, OFFICE, 'alice', 'typo')).status, 401);
      assert.equal((await login(accountId, OFFICE, 'alice', 'alice-pass')).status, 200);
      // A source is known for the user who logged in from it, not for every user there.
      await botnet(accountId, 'boss', 6);
      assertRefused(await login(accountId, OFFICE, 'boss', 'boss-pass'), 429, 50, '60');
    });

    it('keeps failed attempts from making a source known', async () => {
      const accountId = await freshAccount();
      // The attacker's address fails before the ceiling is spent, as often as its own buckets allow.
      for (let i = 0; i < 4; i += 1)
        assert.equal((await login(accountId, ATTACKER, 'alice', `guess-${i}`)).status, 401);
      await botnet(accountId, 'alice', 2);
      assertRefused(await login(accountId, ATTACKER, 'alice', 'guess-4'), 429, 50, '60');
      assert.equal(
        await server.store.knownLoginSources.lastSuccess(accountId, 2001, knownSourceDigest(ATTACKER)),
        undefined,
      );
    });

    it('remembers a known source across a restart', async () => {
      await withRestarts(target, async (start) => {
        const first = await start(options);
        const accountId = await freshAccount(first);
        assert.equal((await login(accountId, OFFICE, 'alice', 'alice-pass', first)).status, 200);
        await first.close();

        const second = await start({ ...options, startTime: first.clock.now() + DAY });
        await botnet(accountId, 'alice', 6, second);
        assertRefused(await login(accountId, ATTACKER, 'alice', 'alice-pass', second), 429, 50, '60');
        assert.equal((await login(accountId, OFFICE, 'alice', 'alice-pass', second)).status, 200);
      });
    });

    it('forgets a source 30 days after its last successful login, and the sweep deletes it', async () => {
      const accountId = await freshAccount();
      const HOME = '192.0.2.80';
      assert.equal((await login(accountId, OFFICE, 'alice', 'alice-pass')).status, 200);
      assert.equal((await login(accountId, HOME, 'alice', 'alice-pass')).status, 200);
      // Each success renews its source's window.
      server.clock.advance(20 * DAY);
      assert.equal((await login(accountId, HOME, 'alice', 'alice-pass')).status, 200);
      server.clock.advance(10 * DAY + 1);
      await botnet(accountId, 'alice', 6);
      assertRefused(await login(accountId, OFFICE, 'alice', 'alice-pass'), 429, 50, '60');
      assert.equal((await login(accountId, HOME, 'alice', 'alice-pass')).status, 200);

      const office = knownSourceDigest(OFFICE);
      assert.notEqual(await server.store.knownLoginSources.lastSuccess(accountId, 2001, office), undefined);
      await server.core.sweepExpiredKeys();
      assert.equal(await server.store.knownLoginSources.lastSuccess(accountId, 2001, office), undefined);
      assert.notEqual(
        await server.store.knownLoginSources.lastSuccess(accountId, 2001, knownSourceDigest(HOME)),
        undefined,
      );
    });
  });
}

for (const target of await databaseTargets()) {
  describe(`login throttling against evasion on ${target.name}`, { skip: target.unavailable }, () => {
    /** While set, the next hash is refused as a full hashing queue refuses it. */
    let refuseNextHash = false;
    let server: TestServer;
    const { accountId, seed } = accountSeed();

    before(async () => {
      server = await startTestServer(target, {
        loginBudgets: { userAtAddress: { burst: 2, perSecond: 1 / 30 } },
        // Small enough to fill with junk requests in a test.
        rateLimiterCapacity: 50,
        hasher: (cheap) => ({
          hash(plain) {
            if (!refuseNextHash) return cheap.hash(plain);
            refuseNextHash = false;
            return Promise.reject(new AppError(ErrorCode.UNAVAILABLE, 'Too many logins at once'));
          },
          verify: (plain, hash) => cheap.verify(plain, hash),
        }),
      });
      await applySeed(server.core, seed);
    });
    after(() => server.close());

    const login = (username: string, password: string) =>
      send(server.baseUrl, 'POST', `/api/account/${accountId}/login`, { body: { username, password } });

    it('answers an unknown user like a wrong password once the hasher works again after refusing', async () => {
      refuseNextHash = true;
      assertRefused(await login('nobody', 'guess'), 503, 99, '1');
      const unknown = await login('nobody', 'guess');
      const known = await login('boss', 'guess');
      assert.equal(known.status, 401, known.text);
      assert.equal(unknown.status, known.status, unknown.text);
      assert.equal((unknown.json() as Envelope).error.internalCode, (known.json() as Envelope).error.internalCode);
    });

    it('keeps a login lockout while junk requests fill the request budgets', async () => {
      for (let i = 0; i < 2; i += 1) assert.equal((await login('alice', 'wrong')).status, 401);
      assertRefused(await login('alice', 'alice-pass'), 429, 50, '30');
      // Each Authorization is a request budget of its own, taken before anything is authenticated.
      for (let i = 0; i < 120; i += 1) {
        await send(server.baseUrl, 'GET', `/api/account/${accountId}/agentSession/probe`, {
          headers: { Authorization: `Bearer junk-${i}` },
        });
      }
      assertRefused(await login('alice', 'alice-pass'), 429, 50, '30');
    });
  });
}
