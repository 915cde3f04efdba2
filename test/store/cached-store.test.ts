import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createCachedStore } from '../../src/store/cached-store.js';
import { defaultAccountSettings, type Account, type User } from '../../src/core/model.js';
import type { Store } from '../../src/core/ports.js';
import { Availability, type AgentSession } from '../../src/core/chats/chat-model.js';
import { openStore, type DatabaseLocation, type OpenedStore } from '../../src/store/open-store.js';
import { databaseTargets } from '../support/databases.js';
import { newAccountId } from '../support/test-server.js';

const account = (id: string, name: string): Account => ({
  id,
  name,
  appKeys: [],
  settings: { ...defaultAccountSettings },
  surveys: {},
  createdAt: 0,
  updatedAt: 0,
});

const agentSession = (accountId: string, id: string, userId: number): AgentSession => ({
  accountId,
  id,
  userId,
  loginSessionId: null,
  availability: Availability.ONLINE,
  createdAt: 1_000,
  lastRequestAt: 1_000,
  endedAt: null,
  idleDueAt: null,
  availabilitySince: 1_000,
});

const user = (accountId: string, id: number, nickname: string): User => ({
  accountId,
  id,
  pid: `pid-${id}`,
  loginName: `user${id}`,
  passwordHash: null,
  nickname,
  fullName: '',
  email: '',
  skillIds: [],
  maxChats: 1,
  role: 'agent',
  enabled: true,
  deleted: false,
  isApiUser: false,
  allowedAppKeys: [],
  changePwdNextLogin: false,
  createdAt: 0,
  updatedAt: 0,
});

for (const target of await databaseTargets()) {
  describe(`cached store on ${target.name}`, { skip: target.unavailable }, () => {
    let opened: OpenedStore;
    let location: DatabaseLocation;
    let drop: () => Promise<void>;

    before(async () => {
      const database = await target.create();
      drop = database.drop;
      location = database.location;
      opened = openStore(location, { poolSize: 2 });
      await opened.migrate();
    });
    after(async () => {
      await opened.store.close();
      await drop();
    });

    it('does not keep what a read returned when a write landed while it was under way', async () => {
      const id = newAccountId();
      await opened.store.accounts.save(account(id, 'before'));
      // The read has its row; the write commits before the read's caller resumes.
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const slow: Store = {
        ...opened.store,
        transaction: (work) => opened.store.transaction(work),
        lockAccount: (accountId) => opened.store.lockAccount(accountId),
        ping: () => opened.store.ping(),
        condition: () => opened.store.condition(),
        close: () => opened.store.close(),
        externalVersion: () => opened.store.externalVersion(),
        catchUp: () => opened.store.catchUp(),
        accounts: {
          ...opened.store.accounts,
          get: async (accountId) => {
            const found = await opened.store.accounts.get(accountId);
            await gate;
            return found;
          },
        },
      };
      const cached = createCachedStore(slow);
      // Caching begins once caught up, as each request does first.
      await cached.catchUp();
      const straddling = cached.accounts.get(id);
      await cached.accounts.save(account(id, 'after'));
      release();
      assert.equal((await straddling)?.name, 'before');
      assert.equal((await cached.accounts.get(id))?.name, 'after');
    });

    it('drops what a transaction changed once it is over, including what was read meanwhile', async () => {
      const id = newAccountId();
      await opened.store.accounts.save(account(id, 'before'));
      const cached = createCachedStore(opened.store);
      await cached.catchUp();
      assert.equal((await cached.accounts.get(id))?.name, 'before');
      await cached.transaction(async (tx) => {
        await tx.accounts.save(account(id, 'inside'));
      });
      assert.equal((await cached.accounts.get(id))?.name, 'inside');
      await assert.rejects(
        cached.transaction(async (tx) => {
          await tx.accounts.save(account(id, 'rolled back'));
          throw new Error('no');
        }),
      );
      assert.equal((await cached.accounts.get(id))?.name, 'inside');
    });

    it('runs after-commit callbacks once the transaction is over and its changes dropped, never after a rollback', async () => {
      const id = newAccountId();
      await opened.store.accounts.save(account(id, 'before'));
      const thrown = new Error('subscriber failed');
      const reported: unknown[] = [];
      const cached = createCachedStore(opened.store, { onAfterCommitError: (error) => reported.push(error) });
      await cached.catchUp();
      assert.equal((await cached.accounts.get(id))?.name, 'before');
      const seen: (Promise<Account | undefined> | string)[] = [];
      const result = await cached.transaction(async (tx) => {
        await tx.accounts.save(account(id, 'inside'));
        tx.afterCommit(() => {
          throw thrown;
        });
        await tx.transaction(async (nested) => {
          nested.afterCommit(() => seen.push(cached.accounts.get(id)));
        });
        tx.afterCommit(() => seen.push('last'));
        assert.equal(seen.length, 0, 'nothing runs before the commit');
        return 'committed';
      });
      assert.equal(result, 'committed');
      assert.deepEqual(reported, [thrown]);
      assert.equal(seen.length, 2);
      const readThen = await seen[0];
      assert.ok(typeof readThen === 'object');
      assert.equal(readThen.name, 'inside', 'the callback reads the change, not a cached entry');
      assert.equal(seen[1], 'last');
      await assert.rejects(
        cached.transaction(async (tx) => {
          tx.afterCommit(() => seen.push('rolled back'));
          throw new Error('no');
        }),
      );
      assert.equal(seen.length, 2);
    });

    it('keeps an account’s user list until a user is written, and hands out copies of it', async () => {
      const id = newAccountId();
      await opened.store.accounts.save(account(id, 'users'));
      await opened.store.users.save(user(id, 1, 'One'));
      const cached = createCachedStore(opened.store);
      await cached.catchUp();
      const first = await cached.users.list(id);
      assert.deepEqual(
        first.map((listed) => listed.nickname),
        ['One'],
      );
      first.length = 0;
      assert.deepEqual(
        (await cached.users.list(id)).map((listed) => listed.nickname),
        ['One'],
        'emptying a copy leaves the list alone',
      );
      await cached.users.save(user(id, 2, 'Two'));
      assert.deepEqual((await cached.users.list(id)).map((listed) => listed.nickname).sort(), ['One', 'Two']);
    });

    it('keeps an entry until another process writes, and drops it once caught up', async () => {
      const id = newAccountId();
      await opened.store.accounts.save(account(id, 'kept'));
      const cached = createCachedStore(opened.store);
      await cached.catchUp();
      assert.equal((await cached.accounts.get(id))?.name, 'kept');
      // Another process (the CLI, another node): its own connections to the same database.
      const elsewhere = openStore(location, { poolSize: 1 });
      try {
        await elsewhere.store.accounts.save(account(id, 'elsewhere'));
        assert.equal((await cached.accounts.get(id))?.name, 'kept', 'kept until the next request catches up');
        await cached.catchUp();
        assert.equal((await cached.accounts.get(id))?.name, 'elsewhere');
      } finally {
        await elsewhere.store.close();
      }
    });

    it("counts an agent session's end as a change, and on PostgreSQL not its keep-alive", async () => {
      const id = newAccountId();
      await opened.store.accounts.save(account(id, 'kept'));
      await opened.store.users.save({ ...user(id, 1, 'One'), pid: `pid-${id}` });
      const session = agentSession(id, 'S1', 1);
      await opened.store.agentSessions.save(session);
      const cached = createCachedStore(opened.store);
      await cached.catchUp();
      assert.equal((await cached.agentSessions.get(id, 'S1'))?.endedAt, null);
      const elsewhere = openStore(location, { poolSize: 1 });
      try {
        const before = cached.externalVersion();
        await elsewhere.store.agentSessions.touch(
          id,
          'S1',
          session.lastRequestAt + 5_000,
          session.lastRequestAt + 405_000,
        );
        await cached.catchUp();
        // SQLite's data_version moves for any write of another connection; the triggers of
        // migration 0012 leave out the two columns a keep-alive writes, about once a second.
        if (target.name === 'postgres') {
          assert.equal(cached.externalVersion(), before);
          assert.equal((await cached.agentSessions.get(id, 'S1'))?.lastRequestAt, session.lastRequestAt);
        }
        await elsewhere.store.agentSessions.save({ ...session, endedAt: session.lastRequestAt + 6_000 });
        await cached.catchUp();
        assert.notEqual(cached.externalVersion(), before);
        assert.equal((await cached.agentSessions.get(id, 'S1'))?.endedAt, session.lastRequestAt + 6_000);
      } finally {
        await elsewhere.store.close();
      }
    });
  });
}
