import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import {
  AuthMethod,
  defaultAccountSettings,
  defaultSystemMessages,
  Permission,
  Role,
  type Account,
  type ApiKey,
  type LoginSession,
  type Skill,
} from '../../src/core/model.js';
import type { Store } from '../../src/core/ports.js';
import { openStore, type DatabaseLocation } from '../../src/store/open-store.js';
import { numberEvents, stateEvent } from '../../src/core/chats/chat-events.js';
import { SAMPLE_CHAT_START, sampleChat } from '../support/chat-fixture.js';
import { databaseTargets } from '../support/databases.js';
import { anAccount, aUser, FIXTURE_TIME } from '../support/store-fixtures.js';

/**
 * The Store port's contract (src/core/ports.ts), run against every database target. Each test
 * makes its own account, so tests neither see nor depend on each other's rows.
 */

const T0 = FIXTURE_TIME;
const MINUTE = 60_000;

let accountSequence = 0;
/** A new account id (the column is varchar(20)). */
const freshAccountId = (): string => `acct-${++accountSequence}`;

function aSkill(accountId: string, id: number, overrides: Partial<Skill> = {}): Skill {
  return { accountId, id, name: `Skill ${id}`, deleted: false, ...overrides };
}

function anApiKey(accountId: string, appKey: string, overrides: Partial<ApiKey> = {}): ApiKey {
  return {
    accountId,
    appKey,
    secretHash: `scrypt$secret-${appKey}`,
    accessToken: `token-${accountId}-${appKey}`,
    accessTokenSecretHash: `scrypt$token-secret-${appKey}`,
    sealedSecrets: `sealed-${appKey}`,
    name: `Key ${appKey}`,
    permissions: [Permission.USER_LOGIN],
    enabled: true,
    createdAt: T0,
    ...overrides,
  };
}

function aSession(accountId: string, userId: number, id: string, overrides: Partial<LoginSession> = {}): LoginSession {
  return {
    id,
    accountId,
    userId,
    bearerHash: `bearer-${id}`,
    cookieHash: `cookie-${id}`,
    csrfHash: `csrf-${id}`,
    authMethod: AuthMethod.PASSWORD,
    createdAt: T0,
    lastRefreshAt: T0,
    expiresAt: T0 + 480 * MINUTE,
    ...overrides,
  };
}

/** Writes an account's settings column as given, as a row from before a setting existed would hold it. */
async function storeRawSettings(location: DatabaseLocation, accountId: string, settings: string): Promise<void> {
  if (location.kind === 'sqlite') {
    const database = new SQLite(location.path);
    try {
      database.prepare('update accounts set settings = ? where id = ?').run(settings, accountId);
    } finally {
      database.close();
    }
    return;
  }
  const client = new pg.Client({
    connectionString: location.url,
    ...(location.schema === undefined ? {} : { options: `-c search_path=${location.schema}` }),
  });
  await client.connect();
  try {
    await client.query('update accounts set settings = $1 where id = $2', [settings, accountId]);
  } finally {
    await client.end();
  }
}

const byAccountId = (a: { accountId: string }, b: { accountId: string }): number =>
  a.accountId.localeCompare(b.accountId);

for (const target of await databaseTargets()) {
  describe(`Store contract on ${target.name}`, { skip: target.unavailable }, () => {
    let store: Store;
    /** What after-commit callbacks threw, as the store reported it. */
    const afterCommitErrors: unknown[] = [];
    let location: DatabaseLocation;
    let drop: () => Promise<void> = async () => undefined;

    before(async () => {
      const database = await target.create();
      location = database.location;
      drop = database.drop;
      const opened = openStore(location, { onAfterCommitError: (error) => afterCommitErrors.push(error) });
      await opened.migrate();
      store = opened.store;
    });

    after(async () => {
      await store?.close();
      await drop();
    });

    /** Saves a new account and returns its id. */
    const givenAccount = async (overrides: Partial<Account> = {}): Promise<string> => {
      const id = freshAccountId();
      await store.accounts.save(anAccount(id, overrides));
      return id;
    };

    /** Saves a new account with one user and returns both ids. */
    const givenUser = async (userId = 1): Promise<{ accountId: string; userId: number }> => {
      const accountId = await givenAccount();
      await store.users.save(aUser(accountId, userId));
      return { accountId, userId };
    };

    describe('accounts', () => {
      it('returns a saved account as it was given, createdAt included', async () => {
        const id = freshAccountId();
        const account = anAccount(id, {
          appKeys: ['k1', 'k2'],
          settings: {
            ...defaultAccountSettings,
            ringTimeoutSeconds: 45,
            refreshGraceMs: 600_000,
            blockedIps: ['10.0.0.1'],
          },
          createdAt: T0 - 86_400_000,
          updatedAt: T0,
        });
        await store.accounts.save(account);
        assert.deepEqual(await store.accounts.get(id), account);
      });

      it('replaces name, app keys, settings and surveys on a second save but keeps createdAt', async () => {
        const id = freshAccountId();
        await store.accounts.save(anAccount(id, { createdAt: T0 }));
        const replacement = anAccount(id, {
          name: 'Renamed',
          appKeys: ['new-key'],
          settings: { ...defaultAccountSettings, preChatLineEcho: false, timeZone: 'Europe/Paris' },
          surveys: { exit: { id: 7, questions: [] } },
          createdAt: T0 + 5 * MINUTE,
          updatedAt: T0 + 10 * MINUTE,
        });
        await store.accounts.save(replacement);
        assert.deepEqual(await store.accounts.get(id), { ...replacement, createdAt: T0 });
      });

      it('returns undefined for an unknown account', async () => {
        assert.equal(await store.accounts.get('no-such-account'), undefined);
      });

      it('lists accounts ordered by id', async () => {
        const suffix = freshAccountId();
        const ids = [`c-${suffix}`, `a-${suffix}`, `b-${suffix}`];
        for (const id of ids) await store.accounts.save(anAccount(id));
        const listed = (await store.accounts.list()).map((account) => account.id).filter((id) => ids.includes(id));
        assert.deepEqual(listed, [`a-${suffix}`, `b-${suffix}`, `c-${suffix}`]);
      });

      it('reads partially stored settings merged over the defaults, system messages included', async () => {
        const id = await givenAccount();
        await storeRawSettings(
          location,
          id,
          JSON.stringify({ ringTimeoutSeconds: 45, systemMessages: { '2': 'Busy' } }),
        );
        const account = await store.accounts.get(id);
        assert.ok(account);
        assert.deepEqual(account.settings, {
          ...defaultAccountSettings,
          ringTimeoutSeconds: 45,
          systemMessages: { ...defaultSystemMessages, '2': 'Busy' },
        });
      });

      it('round-trips surveys with nested objects and arrays through JSON', async () => {
        const surveys = {
          preChat: {
            id: 11,
            header: { text: 'Before we start', visible: true },
            questions: [
              { id: 1, type: 'text', label: 'Name', mandatory: true, validation: { maxLength: 40 } },
              {
                id: 2,
                type: 'dropdown',
                options: [
                  { value: 'a', order: 1 },
                  { value: 'b', order: 2 },
                ],
              },
            ],
            empty: null,
          },
          offline: { id: 12, questions: [] },
        };
        const id = await givenAccount({ surveys });
        const account = await store.accounts.get(id);
        assert.ok(account);
        assert.deepEqual(account.surveys, surveys);
      });
    });

    describe('skills', () => {
      it('saves, gets and lists skills by id, replacing on a second save', async () => {
        const accountId = await givenAccount();
        await store.skills.save(aSkill(accountId, 2, { name: 'Billing' }));
        await store.skills.save(aSkill(accountId, 1, { name: 'Sales' }));
        await store.skills.save(aSkill(accountId, 2, { name: 'Billing EU', deleted: true }));
        assert.deepEqual(
          await store.skills.get(accountId, 2),
          aSkill(accountId, 2, { name: 'Billing EU', deleted: true }),
        );
        assert.equal(await store.skills.get(accountId, 3), undefined);
        assert.deepEqual(await store.skills.list(accountId), [
          aSkill(accountId, 1, { name: 'Sales' }),
          aSkill(accountId, 2, { name: 'Billing EU', deleted: true }),
        ]);
      });

      it('finds a skill by name preferring the exact match over a case-insensitive one', async () => {
        const accountId = await givenAccount();
        await store.skills.save(aSkill(accountId, 1, { name: 'SALES' }));
        await store.skills.save(aSkill(accountId, 2, { name: 'Sales' }));
        assert.equal((await store.skills.findByName(accountId, 'Sales'))?.id, 2);
        assert.equal((await store.skills.findByName(accountId, 'SALES'))?.id, 1);
        assert.ok([1, 2].includes((await store.skills.findByName(accountId, 'sales'))?.id ?? 0));
        assert.equal(await store.skills.findByName(accountId, 'Support'), undefined);
      });

      it('never finds a deleted skill by name, not even by its exact name', async () => {
        const accountId = await givenAccount();
        await store.skills.save(aSkill(accountId, 1, { name: 'Support', deleted: true }));
        await store.skills.save(aSkill(accountId, 2, { name: 'Gone', deleted: true }));
        await store.skills.save(aSkill(accountId, 3, { name: 'support' }));
        assert.equal((await store.skills.findByName(accountId, 'Support'))?.id, 3);
        assert.equal(await store.skills.findByName(accountId, 'Gone'), undefined);
      });

      it('gives 1 as the next id of an account without skills, else the largest id plus one', async () => {
        const accountId = await givenAccount();
        assert.equal(await store.skills.nextId(accountId), 1);
        for (const id of [1, 5, 3]) await store.skills.save(aSkill(accountId, id));
        assert.equal(await store.skills.nextId(accountId), 6);
      });

      it('keeps skill ids per account: the same id in two accounts is two skills', async () => {
        const first = await givenAccount();
        const second = await givenAccount();
        await store.skills.save(aSkill(first, 1, { name: 'Sales' }));
        await store.skills.save(aSkill(first, 9, { name: 'Billing' }));
        await store.skills.save(aSkill(second, 1, { name: 'Support' }));
        assert.equal((await store.skills.get(first, 1))?.name, 'Sales');
        assert.equal((await store.skills.get(second, 1))?.name, 'Support');
        assert.equal(await store.skills.findByName(second, 'Sales'), undefined);
        assert.deepEqual(await store.skills.list(second), [aSkill(second, 1, { name: 'Support' })]);
        assert.equal(await store.skills.nextId(first), 10);
        assert.equal(await store.skills.nextId(second), 2);
      });
    });

    describe('users', () => {
      it('returns a saved user with its skill ids in ascending order', async () => {
        const accountId = await givenAccount();
        for (const id of [1, 2, 3]) await store.skills.save(aSkill(accountId, id));
        await store.users.save(aUser(accountId, 1, { skillIds: [3, 1, 2] }));
        assert.deepEqual(await store.users.get(accountId, 1), aUser(accountId, 1, { skillIds: [1, 2, 3] }));
        assert.equal(await store.users.get(accountId, 2), undefined);
      });

      it('replaces the user and its skills on a second save', async () => {
        const accountId = await givenAccount();
        for (const id of [1, 2, 3]) await store.skills.save(aSkill(accountId, id));
        await store.users.save(aUser(accountId, 1, { skillIds: [1, 2] }));
        const replacement = aUser(accountId, 1, {
          loginName: 'renamed',
          nickname: 'New nick',
          role: Role.MANAGER,
          skillIds: [3],
          updatedAt: T0 + MINUTE,
        });
        await store.users.save(replacement);
        assert.deepEqual(await store.users.get(accountId, 1), replacement);
        await store.users.save({ ...replacement, skillIds: [] });
        assert.deepEqual((await store.users.get(accountId, 1))?.skillIds, []);
      });

      it('lists users ordered by id, each with its own skills', async () => {
        const accountId = await givenAccount();
        for (const id of [1, 2]) await store.skills.save(aSkill(accountId, id));
        await store.users.save(aUser(accountId, 2, { skillIds: [2] }));
        await store.users.save(aUser(accountId, 1, { skillIds: [1, 2] }));
        await store.users.save(aUser(accountId, 3));
        assert.deepEqual(await store.users.list(accountId), [
          aUser(accountId, 1, { skillIds: [1, 2] }),
          aUser(accountId, 2, { skillIds: [2] }),
          aUser(accountId, 3),
        ]);
        assert.deepEqual(await store.users.list(freshAccountId()), []);
      });

      it('finds a user by login name case-insensitively', async () => {
        const accountId = await givenAccount();
        await store.users.save(aUser(accountId, 1, { loginName: 'Alice.Smith' }));
        assert.equal((await store.users.findByLoginName(accountId, 'alice.smith'))?.id, 1);
        assert.equal((await store.users.findByLoginName(accountId, 'ALICE.SMITH'))?.id, 1);
        assert.equal(await store.users.findByLoginName(accountId, 'alice'), undefined);
      });

      it('does not find a deleted user by login name', async () => {
        const accountId = await givenAccount();
        await store.users.save(aUser(accountId, 1, { loginName: 'bob', deleted: true }));
        assert.equal(await store.users.findByLoginName(accountId, 'bob'), undefined);
        await store.users.save(aUser(accountId, 2, { loginName: 'Bob' }));
        assert.equal((await store.users.findByLoginName(accountId, 'bob'))?.id, 2);
      });

      it('round-trips a null password hash, every boolean, unlimited chats and allowed app keys', async () => {
        const accountId = await givenAccount();
        const apiUser = aUser(accountId, 1, {
          passwordHash: null,
          maxChats: -1,
          role: Role.ADMIN,
          enabled: false,
          deleted: true,
          isApiUser: true,
          allowedAppKeys: ['key-a', 'key-b'],
          changePwdNextLogin: true,
        });
        const plainUser = aUser(accountId, 2, { maxChats: 0 });
        await store.users.save(apiUser);
        await store.users.save(plainUser);
        assert.deepEqual(await store.users.get(accountId, 1), apiUser);
        assert.deepEqual(await store.users.get(accountId, 2), plainUser);
      });

      it('gives 1 as the next user id of an empty account, else the largest id plus one', async () => {
        const accountId = await givenAccount();
        assert.equal(await store.users.nextId(accountId), 1);
        await store.users.save(aUser(accountId, 4));
        await store.users.save(aUser(accountId, 2));
        assert.equal(await store.users.nextId(accountId), 5);
      });

      it('keeps two accounts’ users with the same id apart, skills included', async () => {
        const first = await givenAccount();
        const second = await givenAccount();
        await store.skills.save(aSkill(first, 1));
        await store.skills.save(aSkill(second, 2));
        await store.users.save(aUser(first, 1, { loginName: 'ann', skillIds: [1] }));
        await store.users.save(aUser(second, 1, { loginName: 'ben', skillIds: [2] }));
        assert.deepEqual(await store.users.get(first, 1), aUser(first, 1, { loginName: 'ann', skillIds: [1] }));
        assert.deepEqual(await store.users.get(second, 1), aUser(second, 1, { loginName: 'ben', skillIds: [2] }));
        assert.deepEqual(await store.users.list(second), [aUser(second, 1, { loginName: 'ben', skillIds: [2] })]);
        assert.equal(await store.users.findByLoginName(second, 'ann'), undefined);
        assert.equal(await store.users.nextId(second), 2);
      });
    });

    describe('API keys', () => {
      it('saves, gets and lists keys of one account ordered by app key', async () => {
        const accountId = await givenAccount();
        await store.apiKeys.save(anApiKey(accountId, 'zeta'));
        await store.apiKeys.save(anApiKey(accountId, 'alpha', { permissions: [], enabled: false }));
        assert.deepEqual(await store.apiKeys.get(accountId, 'zeta'), anApiKey(accountId, 'zeta'));
        assert.equal(await store.apiKeys.get(accountId, 'missing'), undefined);
        assert.deepEqual(await store.apiKeys.list(accountId), [
          anApiKey(accountId, 'alpha', { permissions: [], enabled: false }),
          anApiKey(accountId, 'zeta'),
        ]);
      });

      it('finds an app key in every account that has it', async () => {
        const first = await givenAccount();
        const second = await givenAccount();
        const appKey = `shared-${first}`;
        await store.apiKeys.save(anApiKey(first, appKey));
        await store.apiKeys.save(anApiKey(second, appKey, { name: 'Other' }));
        const found = (await store.apiKeys.findByAppKey(appKey)).sort(byAccountId);
        assert.deepEqual(
          found,
          [anApiKey(first, appKey), anApiKey(second, appKey, { name: 'Other' })].sort(byAccountId),
        );
        assert.deepEqual(await store.apiKeys.findByAppKey(`unknown-${first}`), []);
        assert.equal(await store.apiKeys.get(second, 'zeta'), undefined);
      });

      it('replaces a key on a second save but keeps its createdAt', async () => {
        const accountId = await givenAccount();
        await store.apiKeys.save(anApiKey(accountId, 'key', { createdAt: T0 }));
        const updated = anApiKey(accountId, 'key', {
          name: 'Renamed',
          enabled: false,
          permissions: [],
          secretHash: 'scrypt$rotated',
          sealedSecrets: 'sealed-rotated',
          createdAt: T0 + MINUTE,
        });
        await store.apiKeys.save(updated);
        assert.deepEqual(await store.apiKeys.get(accountId, 'key'), { ...updated, createdAt: T0 });
      });
    });

    describe('login sessions', () => {
      it('finds a created session by its bearer hash and by its cookie hash', async () => {
        const { accountId, userId } = await givenUser();
        const session = aSession(accountId, userId, `s-${accountId}`, { authMethod: AuthMethod.API_KEY });
        await store.loginSessions.create(session);
        assert.deepEqual(await store.loginSessions.findByBearerHash(session.bearerHash), session);
        assert.deepEqual(await store.loginSessions.findByCookieHash(session.cookieHash), session);
        assert.equal(await store.loginSessions.findByBearerHash(session.cookieHash), undefined);
        assert.equal(await store.loginSessions.findByCookieHash(`missing-${accountId}`), undefined);
      });

      it("lists one user's sessions oldest first", async () => {
        const { accountId, userId } = await givenUser();
        await store.users.save(aUser(accountId, 2));
        const newest = aSession(accountId, userId, `s3-${accountId}`, { createdAt: T0 + 2 * MINUTE });
        const oldest = aSession(accountId, userId, `s1-${accountId}`, { createdAt: T0 });
        const middle = aSession(accountId, userId, `s2-${accountId}`, { createdAt: T0 + MINUTE });
        const otherUsers = aSession(accountId, 2, `s4-${accountId}`, { createdAt: T0 - MINUTE });
        for (const session of [newest, oldest, otherUsers, middle]) await store.loginSessions.create(session);
        assert.deepEqual(await store.loginSessions.listForUser(accountId, userId), [oldest, middle, newest]);
        assert.deepEqual(await store.loginSessions.listForUser(accountId, 3), []);
      });

      it('refresh moves lastRefreshAt and expiresAt only', async () => {
        const { accountId, userId } = await givenUser();
        const session = aSession(accountId, userId, `s-${accountId}`);
        await store.loginSessions.create(session);
        await store.loginSessions.refresh(session.id, T0 + 30 * MINUTE, T0 + 510 * MINUTE);
        assert.deepEqual(await store.loginSessions.findByBearerHash(session.bearerHash), {
          ...session,
          lastRefreshAt: T0 + 30 * MINUTE,
          expiresAt: T0 + 510 * MINUTE,
        });
      });

      it('delete answers true for the call that removes the session and false after', async () => {
        const { accountId, userId } = await givenUser();
        const session = aSession(accountId, userId, `s-${accountId}`);
        await store.loginSessions.create(session);
        assert.equal(await store.loginSessions.delete(session.id), true);
        assert.equal(await store.loginSessions.delete(session.id), false);
        assert.equal(await store.loginSessions.findByBearerHash(session.bearerHash), undefined);
      });

      it('deleteExpired removes and returns exactly the sessions expired at that time', async () => {
        const { accountId, userId } = await givenUser();
        // Far from every other test's times, so only this test's sessions are involved.
        const now = T0 + 1_000 * 86_400_000;
        const expiredLongAgo = aSession(accountId, userId, `old-${accountId}`, { expiresAt: now - MINUTE });
        // Expiry is inclusive, as the core's own check `now >= session.expiresAt` (login-sessions.ts).
        const expiringNow = aSession(accountId, userId, `now-${accountId}`, { expiresAt: now });
        const live = aSession(accountId, userId, `live-${accountId}`, { expiresAt: now + 1 });
        for (const session of [expiredLongAgo, live, expiringNow]) await store.loginSessions.create(session);
        const expired = (await store.loginSessions.deleteExpired(now)).filter((s) => s.accountId === accountId);
        assert.deepEqual(
          expired.sort((a, b) => a.expiresAt - b.expiresAt),
          [expiredLongAgo, expiringNow],
        );
        assert.deepEqual(await store.loginSessions.listForUser(accountId, userId), [live]);
        assert.deepEqual(
          (await store.loginSessions.deleteExpired(now)).filter((s) => s.accountId === accountId),
          [],
        );
      });

      it('rejects a second session with the same bearer hash', async () => {
        const { accountId, userId } = await givenUser();
        const first = aSession(accountId, userId, `s1-${accountId}`);
        await store.loginSessions.create(first);
        await assert.rejects(
          store.loginSessions.create(aSession(accountId, userId, `s2-${accountId}`, { bearerHash: first.bearerHash })),
        );
        assert.deepEqual(await store.loginSessions.listForUser(accountId, userId), [first]);
      });
    });

    describe('transactions', () => {
      it('rolls back every write of a transaction whose work throws', async () => {
        const accountId = freshAccountId();
        const failure = new Error('work failed');
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.accounts.save(anAccount(accountId));
            await tx.skills.save(aSkill(accountId, 1));
            throw failure;
          }),
          (error) => error === failure,
        );
        assert.equal(await store.accounts.get(accountId), undefined);
        assert.equal(await store.skills.get(accountId, 1), undefined);
      });

      it("makes a committed transaction's writes visible and returns the work's value", async () => {
        const accountId = freshAccountId();
        const result = await store.transaction(async (tx) => {
          await tx.accounts.save(anAccount(accountId));
          await tx.skills.save(aSkill(accountId, 1, { name: 'Sales' }));
          return { saved: accountId };
        });
        assert.deepEqual(result, { saved: accountId });
        assert.deepEqual(await store.accounts.get(accountId), anAccount(accountId));
        assert.deepEqual(await store.skills.get(accountId, 1), aSkill(accountId, 1, { name: 'Sales' }));
      });

      it('creates a chat with its first events atomically: an event refused leaves no chat behind', async () => {
        const accountId = await givenAccount();
        const chat = sampleChat({ accountId, id: `atomic-${freshAccountId()}` });
        const [event] = numberEvents(chat, [stateEvent('waiting', SAMPLE_CHAT_START)]).events;
        assert.ok(event !== undefined);
        // Two events with one id: the second breaks the events' primary key.
        await assert.rejects(store.chats.create(chat, [event, event]));
        assert.equal(await store.chats.get(accountId, chat.id), undefined);
      });

      it('joins a nested transaction to the outer one, so the outer rollback undoes it', async () => {
        const accountId = freshAccountId();
        const failure = new Error('outer failed');
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.accounts.save(anAccount(accountId));
            const inner = await tx.transaction(async (nested) => {
              await nested.skills.save(aSkill(accountId, 1));
              return 'inner done';
            });
            assert.equal(inner, 'inner done');
            assert.ok(await tx.skills.get(accountId, 1), 'the outer transaction sees the nested write');
            throw failure;
          }),
          (error) => error === failure,
        );
        assert.equal(await store.accounts.get(accountId), undefined);
        assert.equal(await store.skills.get(accountId, 1), undefined);
      });

      it('runs after-commit callbacks once the writes are committed, in the order registered', async () => {
        const accountId = freshAccountId();
        const log: string[] = [];
        let seenAtCallback: Promise<Account | undefined> | undefined;
        const result = await store.transaction(async (tx) => {
          await tx.accounts.save(anAccount(accountId));
          tx.afterCommit(() => {
            log.push('first');
            // Read outside the transaction: only a committed write is there to be found.
            seenAtCallback = store.accounts.get(accountId);
          });
          tx.afterCommit(() => log.push('second'));
          await tx.skills.save(aSkill(accountId, 1));
          assert.equal(log.length, 0, 'nothing runs before the commit');
          return 'done';
        });
        assert.equal(result, 'done');
        assert.deepEqual(log, ['first', 'second']);
        assert.deepEqual(await seenAtCallback, anAccount(accountId));
      });

      it('runs no after-commit callback of a transaction that rolls back, nested ones included', async () => {
        const accountId = freshAccountId();
        const log: string[] = [];
        const failure = new Error('work failed');
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.accounts.save(anAccount(accountId));
            tx.afterCommit(() => log.push('outer'));
            await tx.transaction(async (nested) => {
              nested.afterCommit(() => log.push('nested'));
            });
            throw failure;
          }),
          (error) => error === failure,
        );
        assert.deepEqual(log, []);
        assert.equal(await store.accounts.get(accountId), undefined);
      });

      it("runs a nested transaction's after-commit callbacks when the outer one commits", async () => {
        const accountId = freshAccountId();
        const log: string[] = [];
        await store.transaction(async (tx) => {
          tx.afterCommit(() => log.push('outer, first'));
          await tx.transaction(async (nested) => {
            await nested.accounts.save(anAccount(accountId));
            nested.afterCommit(() => log.push('nested'));
          });
          assert.equal(log.length, 0, 'the nested transaction does not commit on its own');
          tx.afterCommit(() => log.push('outer, last'));
        });
        assert.deepEqual(log, ['outer, first', 'nested', 'outer, last']);
      });

      it('keeps a committed transaction committed when an after-commit callback throws, and runs the rest', async () => {
        const accountId = freshAccountId();
        const thrown = new Error('subscriber failed');
        const log: string[] = [];
        afterCommitErrors.length = 0;
        const result = await store.transaction(async (tx) => {
          await tx.accounts.save(anAccount(accountId));
          tx.afterCommit(() => {
            throw thrown;
          });
          tx.afterCommit(() => log.push('after the failure'));
          return 'committed';
        });
        assert.equal(result, 'committed');
        assert.deepEqual(log, ['after the failure']);
        assert.deepEqual(afterCommitErrors, [thrown]);
        assert.deepEqual(await store.accounts.get(accountId), anAccount(accountId));
      });
    });

    describe('numbers and constraints', () => {
      it('round-trips ids beyond 2^31 and epoch-millisecond times as numbers', async () => {
        const skillId = 3705342610;
        const userId = 2359235912;
        const created = Date.UTC(2025, 1, 28, 23, 59, 59, 999);
        const accountId = await givenAccount({ createdAt: created, updatedAt: T0 });
        await store.skills.save(aSkill(accountId, skillId));
        const user = aUser(accountId, userId, { skillIds: [skillId], createdAt: created, updatedAt: T0 });
        await store.users.save(user);
        const session = aSession(accountId, userId, `s-${accountId}`, { createdAt: created, expiresAt: T0 });
        await store.loginSessions.create(session);
        await store.apiKeys.save(anApiKey(accountId, 'key', { createdAt: created }));

        const account = await store.accounts.get(accountId);
        assert.ok(account);
        assert.equal(typeof account.createdAt, 'number');
        assert.equal(account.createdAt, created);
        const skill = await store.skills.get(accountId, skillId);
        assert.ok(skill);
        assert.equal(typeof skill.id, 'number');
        assert.deepEqual(skill, aSkill(accountId, skillId));
        const stored = await store.users.get(accountId, userId);
        assert.ok(stored);
        assert.equal(typeof stored.id, 'number');
        assert.equal(typeof stored.skillIds[0], 'number');
        assert.equal(typeof stored.createdAt, 'number');
        assert.deepEqual(stored, user);
        const storedSession = await store.loginSessions.findByBearerHash(session.bearerHash);
        assert.ok(storedSession);
        assert.equal(typeof storedSession.userId, 'number');
        assert.equal(typeof storedSession.expiresAt, 'number');
        assert.deepEqual(storedSession, session);
        assert.deepEqual(await store.loginSessions.listForUser(accountId, userId), [session]);
        assert.equal((await store.apiKeys.get(accountId, 'key'))?.createdAt, created);
        assert.equal(await store.skills.nextId(accountId), skillId + 1);
        assert.equal(await store.users.nextId(accountId), userId + 1);
      });

      it('rejects saving a user with a skill id that does not exist', async () => {
        const accountId = await givenAccount();
        await store.skills.save(aSkill(accountId, 1));
        await assert.rejects(store.users.save(aUser(accountId, 1, { skillIds: [1, 99] })));
      });

      it('leaves the stored user unchanged when a save is rejected (every method is atomic)', async () => {
        const accountId = await givenAccount();
        await store.skills.save(aSkill(accountId, 1));
        await assert.rejects(store.users.save(aUser(accountId, 1, { skillIds: [99] })));
        assert.equal(await store.users.get(accountId, 1), undefined, 'a rejected new user is not half-saved');

        const existing = aUser(accountId, 2, { skillIds: [1] });
        await store.users.save(existing);
        await assert.rejects(store.users.save(aUser(accountId, 2, { nickname: 'Changed', skillIds: [99] })));
        assert.deepEqual(await store.users.get(accountId, 2), existing, 'a rejected replacement keeps the old user');
      });

      it('rejects a skill of an unknown account and a session of an unknown user', async () => {
        const accountId = await givenAccount();
        await assert.rejects(store.skills.save(aSkill(freshAccountId(), 1)));
        await assert.rejects(store.loginSessions.create(aSession(accountId, 42, `s-${accountId}`)));
      });
    });

    describe('connection', () => {
      it('ping resolves on an open store and rejects once it is closed', async () => {
        await store.ping();
        const second = openStore(location).store;
        await second.ping();
        await second.close();
        await assert.rejects(second.ping());
      });
    });
  });
}
