import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AppError, ErrorCode } from '../../src/core/errors.js';
import { defaultAccountSettings, defaultSystemMessages } from '../../src/core/model.js';
import { parseSeed, SeedError } from '../../src/core/seed/parse-seed.js';
import type { KyselyStore } from '../../src/store/kysely-store.js';
import { databaseTargets } from '../support/databases.js';
import { accountSeed, applySeed, hex, newAccountId, startTestServer, type TestServer } from '../support/test-server.js';

/** The message of the SeedError that parsing `seed` (as JSON text) throws. */
function seedErrorOf(seed: unknown): string {
  const text = typeof seed === 'string' ? seed : JSON.stringify(seed);
  try {
    parseSeed(text, 'seed.json');
  } catch (error) {
    assert.ok(error instanceof SeedError, `expected a SeedError, got ${String(error)}`);
    return error.message;
  }
  assert.fail('parseSeed accepted the seed');
}

/** A one-account seed with the given skills and users (everything else defaulted). */
const oneAccount = (account: Record<string, unknown>) => ({ accounts: [{ id: '41325501', ...account }] });

const isAppError = (code: ErrorCode) => (error: unknown) => {
  assert.ok(error instanceof AppError, `expected a AppError, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  return true;
};

describe('parseSeed', () => {
  it('names the user skill entry that refers to an unknown skill', () => {
    const message = seedErrorOf(
      oneAccount({
        skills: [{ name: 'Sales' }],
        users: [
          { loginName: 'alice', skills: ['Sales'] },
          { loginName: 'bob', skills: ['Billing'] },
        ],
      }),
    );
    assert.equal(message, 'seed.json: accounts[0].users[1].skills[0]: unknown skill "Billing"');
  });

  it('names a skill survey that cannot be served, and a survey kind a skill may not have', () => {
    const broken = seedErrorOf(
      oneAccount({ skills: [{ name: 'Sales' }, { name: 'Support', surveys: { exit: { title: 'no id' } } }] }),
    );
    assert.match(broken, /^seed\.json: accounts\[0\]\.skills\[1\]\.surveys\.exit\.id: /);
    const agent = seedErrorOf(oneAccount({ skills: [{ name: 'Sales', surveys: { agent: { id: 1 } } }] }));
    assert.match(agent, /accounts\[0\]\.skills\[0\]\.surveys/);
    assert.match(agent, /agent/);
  });

  it('names the listen or assist entry of a user that refers to an unknown skill', () => {
    const users = (entry: Record<string, unknown>) =>
      oneAccount({ skills: [{ name: 'Sales' }, { name: 'Support' }], users: [{ loginName: 'alice' }, entry] });
    assert.equal(
      seedErrorOf(users({ loginName: 'sup', listen: ['Sales', 'Billing'] })),
      'seed.json: accounts[0].users[1].listen[1]: unknown skill "Billing"',
    );
    assert.equal(
      seedErrorOf(users({ loginName: 'sup', listen: 'all', assist: ['Refunds'] })),
      'seed.json: accounts[0].users[1].assist[0]: unknown skill "Refunds"',
    );
    // "all", [] and names in another letter case are all accepted.
    const seed = parseSeed(JSON.stringify(users({ loginName: 'sup', listen: 'all', assist: ['support'] })));
    assert.deepEqual([seed.accounts[0]?.users[1]?.listen, seed.accounts[0]?.users[1]?.assist], ['all', ['support']]);
    assert.deepEqual(
      parseSeed(JSON.stringify(users({ loginName: 'sup', listen: [] }))).accounts[0]?.users[1]?.listen,
      [],
    );
  });

  it('reads a file that begins with a byte-order mark', () => {
    const seed = parseSeed(`\uFEFF${JSON.stringify(oneAccount({ skills: [{ name: 'Sales' }] }))}`);
    assert.equal(seed.accounts[0]?.skills[0]?.name, 'Sales');
  });

  it('trims names, so "Sales " repeats "Sales"', () => {
    const message = seedErrorOf(oneAccount({ skills: [{ name: 'Sales' }, { name: 'Sales ' }] }));
    assert.match(message, /accounts\[0\]\.skills\[1\]\.name: skill "Sales" repeats accounts\[0\]\.skills\[0\]\.name/);
    const seed = parseSeed(JSON.stringify(oneAccount({ users: [{ loginName: ' alice ' }] })));
    assert.equal(seed.accounts[0]?.users[0]?.loginName, 'alice');
  });

  it('accepts skill references in another letter case', () => {
    const seed = parseSeed(
      JSON.stringify(oneAccount({ skills: [{ name: 'Sales' }], users: [{ loginName: 'a', skills: ['SALES'] }] })),
    );
    assert.deepEqual(seed.accounts[0]?.users[0]?.skills, ['SALES']);
  });

  it('names both entries when a login name repeats in another letter case', () => {
    const message = seedErrorOf(
      oneAccount({ users: [{ loginName: 'alice' }, { loginName: 'bob' }, { loginName: 'ALICE' }] }),
    );
    assert.equal(
      message,
      'seed.json: accounts[0].users[2].loginName: loginName "ALICE" repeats accounts[0].users[0].loginName',
    );
  });

  it('names both entries when a skill name repeats', () => {
    const message = seedErrorOf(oneAccount({ skills: [{ name: 'Sales' }, { name: 'sales' }] }));
    assert.equal(message, 'seed.json: accounts[0].skills[1].name: skill "sales" repeats accounts[0].skills[0].name');
  });

  it('names an app key used twice in one account', () => {
    const key = { appKey: 'k1', secret: 's', accessToken: 't', accessTokenSecret: 'ts' };
    const message = seedErrorOf(
      oneAccount({
        users: [
          { loginName: 'a', apiKeys: [key] },
          { loginName: 'b', apiKeys: [key] },
        ],
      }),
    );
    assert.equal(
      message,
      'seed.json: accounts[0].users[1].apiKeys[0].appKey: appKey "k1" repeats accounts[0].users[0].apiKeys[0].appKey',
    );
  });

  it('names an account id given twice', () => {
    const message = seedErrorOf({ accounts: [{ id: '1' }, { id: '1' }] });
    assert.equal(message, 'seed.json: accounts[1].id: account "1" repeats accounts[0].id');
  });

  it('names an unknown field such as a misspelt maxChats', () => {
    const message = seedErrorOf(oneAccount({ users: [{ loginName: 'alice', maxchats: 3 }] }));
    assert.equal(message, 'seed.json: accounts[0].users[0]: unknown field "maxchats"');
  });

  it('names an unknown top-level field', () => {
    assert.equal(seedErrorOf({ accounts: [], account: {} }), 'seed.json: (top level): unknown field "account"');
  });

  it('names a field of the wrong type', () => {
    const message = seedErrorOf(oneAccount({ users: [{ loginName: 'alice', maxChats: '3' }] }));
    assert.match(message, /^seed\.json: accounts\[0\]\.users\[0\]\.maxChats: .*number/);
  });

  it('names an account id that is not letters, digits or _', () => {
    const message = seedErrorOf({ accounts: [{ id: '41 325' }] });
    assert.equal(message, 'seed.json: accounts[0].id: must be 1-20 letters, digits or _');
  });

  it('names a role that does not exist', () => {
    assert.match(
      seedErrorOf(oneAccount({ users: [{ loginName: 'a', role: 'owner' }] })),
      /^seed\.json: accounts\[0\]\.users\[0\]\.role: /,
    );
  });

  it('says the text is not valid JSON', () => {
    assert.match(seedErrorOf('{"accounts": ['), /^seed\.json: not valid JSON \(/);
  });

  it('refuses a refreshGraceMs below 30 minutes, naming the setting', () => {
    const message = seedErrorOf(oneAccount({ settings: { refreshGraceMs: 29 * 60_000 } }));
    assert.match(message, /^seed\.json: accounts\[0\]\.settings\.refreshGraceMs: .*1800000/);
    assert.doesNotThrow(() => parseSeed(JSON.stringify(oneAccount({ settings: { refreshGraceMs: 30 * 60_000 } }))));
    assert.doesNotThrow(() => parseSeed(JSON.stringify(oneAccount({ settings: { refreshGraceMs: null } }))));
  });

  it('fills the documented defaults of users and keys', () => {
    const seed = parseSeed(
      JSON.stringify(
        oneAccount({
          users: [
            { loginName: 'a', apiKeys: [{ appKey: 'k', secret: 's', accessToken: 't', accessTokenSecret: 'ts' }] },
          ],
        }),
      ),
    );
    const user = seed.accounts[0]?.users[0];
    assert.equal(user?.role, 'agent');
    assert.equal(user?.maxChats, 3);
    assert.equal(user?.enabled, true);
    assert.deepEqual(user?.skills, []);
    assert.deepEqual(user?.apiKeys[0]?.permissions, ['agent-interactions:user-login']);
  });
});

/** Everything stored for one account, to compare before and after. */
async function snapshot(store: KyselyStore, accountId: string) {
  return {
    account: await store.accounts.get(accountId),
    skills: await store.skills.list(accountId),
    users: await store.users.list(accountId),
    apiKeys: await store.apiKeys.list(accountId),
  };
}

/** `seed` with every user entry of every account passed through `change`. */
function withUsers<S extends { accounts: { users: object[] }[] }>(
  seed: S,
  change: (user: S['accounts'][number]['users'][number]) => object,
) {
  return { accounts: seed.accounts.map((account) => ({ ...account, users: account.users.map(change) })) };
}

for (const target of await databaseTargets()) {
  describe(`applying a seed on ${target.name}`, { skip: target.unavailable }, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(target);
    });
    after(() => server.close());

    it('reports the account as created, then as updated, without creating anything the second time', async () => {
      const { accountId, seed, key } = accountSeed();
      const first = await server.core.seeds.apply(parseSeed(JSON.stringify(seed)));
      assert.deepEqual(first, [{ accountId, created: true, skills: 2, users: 3 }]);
      const before = await snapshot(server.store, accountId);

      server.clock.advance(60_000);
      const second = await server.core.seeds.apply(parseSeed(JSON.stringify(seed)));
      assert.deepEqual(second, [{ accountId, created: false, skills: 2, users: 3 }]);
      const afterwards = await snapshot(server.store, accountId);

      assert.equal(afterwards.account?.createdAt, before.account?.createdAt);
      assert.deepEqual(afterwards.skills, before.skills);
      const stable = (users: typeof before.users) =>
        users.map(({ id, pid, loginName, passwordHash, skillIds, createdAt }) => ({
          id,
          pid,
          loginName,
          passwordHash,
          skillIds,
          createdAt,
        }));
      assert.equal(afterwards.users.length, 3);
      assert.deepEqual(stable(afterwards.users), stable(before.users));
      // The key is neither duplicated nor re-hashed nor resealed.
      assert.equal(afterwards.apiKeys.length, 1);
      assert.deepEqual(afterwards.apiKeys, before.apiKeys);
      assert.equal(afterwards.apiKeys[0]?.appKey, key.appKey);
    });

    it('matches skills and users by name when the seed gives no ids, so a re-apply duplicates nothing', async () => {
      const accountId = newAccountId();
      const seed = {
        accounts: [
          {
            id: accountId,
            skills: [{ name: 'Sales' }, { name: 'Support' }],
            users: [
              { loginName: 'alice', password: 'alice-pass', skills: ['Sales'] },
              { loginName: 'bob', password: 'bob-pass', skills: ['support'] },
            ],
          },
        ],
      };
      await applySeed(server.core, seed);
      const before = await snapshot(server.store, accountId);
      await applySeed(server.core, seed);
      const afterwards = await snapshot(server.store, accountId);

      assert.deepEqual(
        afterwards.skills.map(({ id, name }) => [id, name]),
        before.skills.map(({ id, name }) => [id, name]),
      );
      assert.equal(afterwards.skills.length, 2);
      assert.deepEqual(
        afterwards.users.map(({ id, pid, passwordHash, skillIds }) => ({ id, pid, passwordHash, skillIds })),
        before.users.map(({ id, pid, passwordHash, skillIds }) => ({ id, pid, passwordHash, skillIds })),
      );
      assert.equal(afterwards.users.length, 2);
    });

    it('re-hashes a changed password and ends only that user’s login sessions', async () => {
      const { accountId, seed } = accountSeed();
      await applySeed(server.core, seed);
      const oldHash = (await server.store.users.get(accountId, 2001))?.passwordHash;
      const bossHash = (await server.store.users.get(accountId, 2002))?.passwordHash;
      const alice = await server.core.login.login(
        accountId,
        { kind: 'password', username: 'alice', password: 'alice-pass' },
        { address: '127.0.0.1' },
      );
      const boss = await server.core.login.login(
        accountId,
        { kind: 'password', username: 'boss', password: 'boss-pass' },
        { address: '127.0.0.1' },
      );
      await server.core.sessions.authenticateBearer(accountId, alice.tokens.bearer);

      await applySeed(
        server.core,
        withUsers(seed, (user) =>
          'password' in user && user.password === 'alice-pass' ? { ...user, password: 'alice-new-pass' } : user,
        ),
      );

      const newHash = (await server.store.users.get(accountId, 2001))?.passwordHash;
      assert.equal(typeof newHash, 'string');
      assert.notEqual(newHash, oldHash);
      assert.equal((await server.store.users.get(accountId, 2002))?.passwordHash, bossHash);
      await assert.rejects(
        server.core.sessions.authenticateBearer(accountId, alice.tokens.bearer),
        isAppError(ErrorCode.SESSION_INVALID),
      );
      assert.deepEqual(await server.store.loginSessions.listForUser(accountId, 2001), []);
      const stillBoss = await server.core.sessions.authenticateBearer(accountId, boss.tokens.bearer);
      assert.equal(stillBoss.user.loginName, 'boss');

      await assert.rejects(
        server.core.login.login(
          accountId,
          { kind: 'password', username: 'alice', password: 'alice-pass' },
          { address: '127.0.0.1' },
        ),
        isAppError(ErrorCode.CREDENTIALS_INVALID),
      );
      const again = await server.core.login.login(
        accountId,
        { kind: 'password', username: 'alice', password: 'alice-new-pass' },
        { address: '127.0.0.1' },
      );
      assert.equal(again.user.id, 2001);
    });

    it('ends the login sessions of a user the seed now disables', async () => {
      const { accountId, seed } = accountSeed();
      await applySeed(server.core, seed);
      const alice = await server.core.login.login(
        accountId,
        { kind: 'password', username: 'alice', password: 'alice-pass' },
        { address: '127.0.0.1' },
      );

      await applySeed(
        server.core,
        withUsers(seed, (user) =>
          'loginName' in user && user.loginName === 'alice' ? { ...user, enabled: false } : user,
        ),
      );

      assert.equal((await server.store.users.get(accountId, 2001))?.enabled, false);
      assert.deepEqual(await server.store.loginSessions.listForUser(accountId, 2001), []);
      await assert.rejects(
        server.core.sessions.authenticateBearer(accountId, alice.tokens.bearer),
        isAppError(ErrorCode.SESSION_INVALID),
      );
    });

    it('leaves the database exactly as it was when a later account of the seed conflicts', async () => {
      const existing = accountSeed();
      await applySeed(server.core, existing.seed);
      const alice = await server.core.login.login(
        existing.accountId,
        { kind: 'password', username: 'alice', password: 'alice-pass' },
        { address: '127.0.0.1' },
      );
      const before = await snapshot(server.store, existing.accountId);
      const fresh = accountSeed();
      server.clock.advance(60_000);

      // The existing account, changed (name, a password) before its conflicting user entry:
      // alice exists as user 2001, the seed now says 2999.
      const [existingAccount] = existing.seed.accounts;
      assert.ok(existingAccount);
      const conflicting = {
        ...existingAccount,
        name: 'Renamed',
        users: [
          { loginName: 'boss', id: 2002, password: 'boss-new-pass', role: 'admin' },
          { loginName: 'alice', id: 2999, password: 'alice-pass' },
        ],
      };
      await assert.rejects(
        applySeed(server.core, { accounts: [...fresh.seed.accounts, conflicting] }),
        (error: unknown) => {
          isAppError(ErrorCode.CONFLICT)(error);
          assert.ok(error instanceof Error);
          assert.match(error.message, /loginName "alice" belongs to user 2001, the seed gives 2999/);
          return true;
        },
      );

      assert.deepEqual(await snapshot(server.store, existing.accountId), before);
      assert.deepEqual(await snapshot(server.store, fresh.accountId), {
        account: undefined,
        skills: [],
        users: [],
        apiKeys: [],
      });
      assert.deepEqual(await server.store.apiKeys.findByAppKey(fresh.key.appKey), []);
      // No session was ended by the rolled-back password change.
      const session = await server.core.sessions.authenticateBearer(existing.accountId, alice.tokens.bearer);
      assert.equal(session.user.id, 2001);
    });

    it('stores passwords and key secrets only as hashes and sealed values, never in plain text', async () => {
      const { accountId, seed, key } = accountSeed();
      await applySeed(server.core, seed);
      const { users, apiKeys, account } = await snapshot(server.store, accountId);
      const stored = JSON.stringify({ users, apiKeys, account });
      for (const plain of ['alice-pass', 'boss-pass', key.secret, key.accessTokenSecret]) {
        assert.equal(stored.includes(plain), false, `"${plain}" is stored in plain text`);
      }

      const { hasher, secrets } = server.core.deps;
      const aliceHash = users.find((user) => user.loginName === 'alice')?.passwordHash;
      assert.ok(aliceHash);
      assert.equal(await hasher.verify('alice-pass', aliceHash), true);
      assert.equal(users.find((user) => user.loginName === 'echo-bot')?.passwordHash, null);
      const [apiKey] = apiKeys;
      assert.ok(apiKey);
      assert.equal(await hasher.verify(key.secret, apiKey.secretHash), true);
      assert.equal(await hasher.verify(key.accessTokenSecret, apiKey.accessTokenSecretHash), true);
      // Sealed with the deployment key: recoverable by the server for OAuth signatures, not readable as is.
      assert.deepEqual(JSON.parse(secrets.open(apiKey.sealedSecrets) ?? 'null'), {
        secret: key.secret,
        accessTokenSecret: key.accessTokenSecret,
      });
    });

    it('applies the default settings where the seed gives none and keeps the ones it gives', async () => {
      const bare = newAccountId();
      const tuned = newAccountId();
      await applySeed(server.core, {
        accounts: [
          { id: bare },
          {
            id: tuned,
            settings: {
              ringTimeoutSeconds: 45,
              refreshGraceMs: 1_800_000,
              timeZone: 'Europe/Paris',
              systemMessages: { '3': 'Hi, {agentName} here.' },
            },
          },
        ],
      });

      const bareAccount = await server.store.accounts.get(bare);
      assert.equal(bareAccount?.settings.ringTimeoutSeconds, 20);
      assert.deepEqual(bareAccount?.settings, defaultAccountSettings);
      assert.equal(bareAccount?.name, bare);

      const tunedSettings = (await server.store.accounts.get(tuned))?.settings;
      assert.deepEqual(tunedSettings, {
        ...defaultAccountSettings,
        ringTimeoutSeconds: 45,
        refreshGraceMs: 1_800_000,
        timeZone: 'Europe/Paris',
        systemMessages: { ...defaultSystemMessages, '3': 'Hi, {agentName} here.' },
      });
    });

    it('stores surveys verbatim, key order and legacy shapes included', async () => {
      const accountId = newAccountId();
      // Legacy quirks a survey must keep: one question as an object, not an array; string-typed
      // numbers; keys in the order LivePerson sends them.
      const exit = {
        id: 361348,
        title: '',
        header: 'Thank you.',
        questions: {
          question: {
            order: '0',
            id: 4991315,
            type: 'Radio Button',
            label: 'Did we answer your question?',
            entry: [
              { value: 'yes', displayValue: 'Yes', checked: false },
              { value: 'no', displayValue: 'No', checked: false },
            ],
          },
        },
        zeta: null,
        alpha: { nested: [1, '1', true] },
      };
      const preChat = { header: 'Before we start', id: 40216, questions: { question: [] } };
      await applySeed(server.core, { accounts: [{ id: accountId, appKeys: [hex(16)], surveys: { exit, preChat } }] });

      const surveys = (await server.store.accounts.get(accountId))?.surveys;
      assert.equal(JSON.stringify(surveys?.exit), JSON.stringify(exit));
      assert.equal(JSON.stringify(surveys?.preChat), JSON.stringify(preChat));
      assert.equal(surveys?.offline, undefined);
      assert.equal(surveys?.agent, undefined);
    });

    it('keeps a skill’s own surveys by skill id, beside the account’s', async () => {
      const accountId = newAccountId();
      const preChat = { id: 7, questions: { question: [] } };
      await applySeed(server.core, {
        accounts: [{ id: accountId, skills: [{ name: 'Sales' }, { id: 55, name: 'Support', surveys: { preChat } }] }],
      });
      const surveys = (await server.store.accounts.get(accountId))?.surveys;
      assert.deepEqual(surveys?.skills, { '55': { preChat } });
      assert.equal(surveys?.preChat, undefined);
    });
  });
}
