import type { Account, LoginSession, User } from '../core/model.js';
import type { AgentSession } from '../core/chats/chat-model.js';
import type { Store, Transaction } from '../core/ports.js';
import { runAfterCommit, warnOfAfterCommitError, type AfterCommitErrorReporter } from './after-commit.js';

/**
 * The store with the lookups every request repeats kept in memory: accounts, users (one by one and
 * by account), login sessions by bearer digest, agent sessions. Every write made through it drops what it changes (after the
 * commit too, for writes in a transaction), and a write by another process (the CLI, another
 * server) drops everything, so a disabled user, a logout or an ended agent session is refused by
 * the very next request: each request, and each turn of the timers, begins with `catchUp`, and
 * nothing is kept before the first. Reads inside a transaction always go to the store.
 *
 * An entry read while something changed (a write, another process) is not kept: it may predate
 * the change. A transaction's after-commit callbacks run once it is over and its changes have been
 * dropped, so whoever they tell of a change reads it afresh.
 */
export function createCachedStore(
  inner: Store,
  options: { onAfterCommitError?: AfterCommitErrorReporter } = {},
): Store {
  const accounts = new Map<string, Account>();
  const users = new Map<string, User>();
  /** An account's users: the agent behind an API key is found among them on every signed request. */
  const userLists = new Map<string, User[]>();
  const bearers = new Map<string, LoginSession>();
  const agentSessions = new Map<string, AgentSession>();
  /** Moves on every change, so a read that straddles one is not kept. */
  let generation = 0;
  /**
   * The store's external version as the last catchUp read it; undefined before the first and
   * after one that could not tell, when nothing is kept. Read once per request, not per lookup:
   * what the request must see is what was committed before it began.
   */
  let seenVersion: number | undefined;

  const key = (accountId: string, id: string | number) => `${accountId}\u0000${id}`;

  const dropAll = () => {
    generation += 1;
    accounts.clear();
    users.clear();
    userLists.clear();
    bearers.clear();
    agentSessions.clear();
  };

  /** Whether entries may be used and kept now. */
  const isUsable = (): boolean => seenVersion !== undefined;

  async function cached<V>(map: Map<string, V>, k: string, read: () => Promise<V | undefined>) {
    if (!isUsable()) return read();
    const hit = map.get(k);
    if (hit !== undefined) return hit;
    const readAt = generation;
    const value = await read();
    if (value !== undefined && isUsable() && readAt === generation) map.set(k, value);
    return value;
  }

  /** A write outside a transaction: what it changes is dropped once it is done. */
  const dropAfter = async <T>(write: Promise<T>): Promise<T> => {
    const result = await write;
    dropAll();
    return result;
  };

  /** A session a write returned: the newest state there is (outside a transaction). */
  const rememberAgentSession = (session: AgentSession | undefined, k: string) => {
    generation += 1;
    agentSessions.delete(k);
    if (session !== undefined && isUsable()) agentSessions.set(k, session);
    return session;
  };

  /**
   * The store as seen inside a transaction: reads pass through, writes only note that the caches
   * must be dropped once the transaction is over (other readers may meanwhile keep what it is
   * about to change).
   */
  function inTransaction(tx: Transaction, onWrite: () => void, committed: (() => void)[]): Transaction {
    const view: Transaction = {
      ...storeShape(tx),
      transaction: (work) => tx.transaction(() => work(view)),
      afterCommit: (callback) => committed.push(callback),
      accounts: {
        ...tx.accounts,
        save: (account) => written(tx.accounts.save(account)),
      },
      users: { ...tx.users, save: (user) => written(tx.users.save(user)) },
      loginSessions: {
        ...tx.loginSessions,
        create: (session) => written(tx.loginSessions.create(session)),
        refresh: (id, at, expiresAt) => written(tx.loginSessions.refresh(id, at, expiresAt)),
        delete: (id) => written(tx.loginSessions.delete(id)),
        deleteExpired: (now) => written(tx.loginSessions.deleteExpired(now)),
      },
      agentSessions: {
        ...tx.agentSessions,
        save: (session) => written(tx.agentSessions.save(session)),
        touch: (accountId, id, now, idleDueAt) => written(tx.agentSessions.touch(accountId, id, now, idleDueAt)),
        setAvailability: (accountId, id, availability, since, reasonId, autoAway) =>
          written(tx.agentSessions.setAvailability(accountId, id, availability, since, reasonId, autoAway)),
        setAutoListen: (accountId, id, scope) => written(tx.agentSessions.setAutoListen(accountId, id, scope)),
        setDetached: (accountId, id, detachedAt, dueAt) =>
          written(tx.agentSessions.setDetached(accountId, id, detachedAt, dueAt)),
      },
    };
    function written<T>(write: Promise<T>): Promise<T> {
      onWrite();
      return write;
    }
    return view;
  }

  const store: Store = {
    ...storeShape(inner),
    // As the last catchUp read it: what this request must see (and one read per request, not one
    // per caller).
    externalVersion: () => seenVersion,
    async catchUp() {
      await inner.catchUp();
      const version = inner.externalVersion();
      // Another process wrote (or the store cannot tell): everything kept may predate it.
      if (version === undefined || version !== seenVersion) dropAll();
      seenVersion = version;
    },
    async transaction(work) {
      let wrote = false;
      const committed: (() => void)[] = [];
      let result;
      try {
        result = await inner.transaction((tx) =>
          work(
            inTransaction(
              tx,
              () => {
                wrote = true;
                dropAll();
              },
              committed,
            ),
          ),
        );
      } finally {
        if (wrote) dropAll();
      }
      // Reached only once the inner transaction has committed.
      runAfterCommit(committed, options.onAfterCommitError ?? warnOfAfterCommitError);
      return result;
    },
    accounts: {
      ...inner.accounts,
      get: (id) => cached(accounts, id, () => inner.accounts.get(id)),
      save: (account) => dropAfter(inner.accounts.save(account)),
    },
    users: {
      ...inner.users,
      get: (accountId, id) => cached(users, key(accountId, id), () => inner.users.get(accountId, id)),
      // A copy each time: callers may sort or splice what they get.
      list: async (accountId) => [...((await cached(userLists, accountId, () => inner.users.list(accountId))) ?? [])],
      save: (user) => dropAfter(inner.users.save(user)),
    },
    loginSessions: {
      ...inner.loginSessions,
      findByBearerHash: (hash) => cached(bearers, hash, () => inner.loginSessions.findByBearerHash(hash)),
      create: (session) => dropAfter(inner.loginSessions.create(session)),
      refresh: (id, at, expiresAt) => dropAfter(inner.loginSessions.refresh(id, at, expiresAt)),
      delete: (id) => dropAfter(inner.loginSessions.delete(id)),
      async deleteExpired(now) {
        const expired = await inner.loginSessions.deleteExpired(now);
        if (expired.length > 0) dropAll();
        return expired;
      },
    },
    agentSessions: {
      ...inner.agentSessions,
      get: (accountId, id) => cached(agentSessions, key(accountId, id), () => inner.agentSessions.get(accountId, id)),
      save: (session) => dropAfter(inner.agentSessions.save(session)),
      async touch(accountId, id, now, idleDueAt) {
        return rememberAgentSession(await inner.agentSessions.touch(accountId, id, now, idleDueAt), key(accountId, id));
      },
      // Keep-alive columns alone: what is kept stays (its deadline is then never later than the
      // stored one, docs/adr/0012), and nothing is dropped.
      touchMany: (touches) => inner.agentSessions.touchMany(touches),
      async setAvailability(accountId, id, availability, since, reasonId, autoAway) {
        return rememberAgentSession(
          await inner.agentSessions.setAvailability(accountId, id, availability, since, reasonId, autoAway),
          key(accountId, id),
        );
      },
      async setDetached(accountId, id, detachedAt, dueAt) {
        return rememberAgentSession(
          await inner.agentSessions.setDetached(accountId, id, detachedAt, dueAt),
          key(accountId, id),
        );
      },
      async setAutoListen(accountId, id, scope) {
        return rememberAgentSession(await inner.agentSessions.setAutoListen(accountId, id, scope), key(accountId, id));
      },
    },
  };
  return store;
}

/** Every member of a store, bound to it (repositories are plain objects; methods use `this`). */
function storeShape(store: Store): Store {
  return {
    transaction: (work) => store.transaction(work),
    lockAccount: (accountId) => store.lockAccount(accountId),
    ping: () => store.ping(),
    condition: () => store.condition(),
    close: () => store.close(),
    externalVersion: () => store.externalVersion(),
    catchUp: () => store.catchUp(),
    accounts: store.accounts,
    skills: store.skills,
    users: store.users,
    apiKeys: store.apiKeys,
    loginSessions: store.loginSessions,
    chats: store.chats,
    agentSessions: store.agentSessions,
    offlineMessages: store.offlineMessages,
    visitorIdentities: store.visitorIdentities,
    nonces: store.nonces,
    idempotencyKeys: store.idempotencyKeys,
    knownLoginSources: store.knownLoginSources,
    nodes: store.nodes,
    leases: store.leases,
  };
}
