import type { Account } from '../model.js';
import type { Clock, HeldConnection, Store, Transaction } from '../ports.js';
import { Availability, type AgentSession } from '../chats/chat-model.js';
import type { AgentSessions, SessionCheck } from './agent-sessions.js';

/** Ends what a connection held: `serverClosing` when the server closed it itself (a drain). */
export type ReleaseConnection = (options?: { serverClosing?: boolean }) => void;

/**
 * Connection-bound agent sessions (`presence=connection`, docs/LEGACY-QUIRKS.md): a browser agent
 * is there while it has a connection open (a session or chat event stream, a held long-poll), not
 * for the 400 s an API client's requests keep a session. Each node counts its connections of a
 * session in memory and records in the store that it holds some (a row of `agent_connections`,
 * written on its first and removed on its last); a session is marked detached only when no node
 * holds one, so that the timers' sweep finds it by its due time. Detached past
 * `agentConnectionGraceSeconds` it goes Away as setAvailability would (its rings ring elsewhere),
 * remembering what it was; past `agentConnectionEndSeconds` it ends as an idle session does. A
 * connection coming back, on any node, clears the mark and gives back an availability taken
 * automatically. Every change of the mark is decided under the account's lock from the rows of
 * all nodes, so a close on one node and an open on another cannot leave it wrong.
 *
 * A server that closes its own streams (a drain) removes nothing: the agents are not gone, the
 * server is. Its rows go when it deregisters, and a dead node's when the timers find its heartbeat
 * stale (docs/adr/0010-several-nodes.md); the sessions they leave without a connection get their
 * grace from then (`release`).
 */
export function createAgentPresence(deps: { store: Store; clock: Clock; sessions: AgentSessions; nodeId: string }) {
  const { store, clock, sessions, nodeId } = deps;
  /** Open connections by session. */
  const connections = new Map<string, number>();
  /**
   * Sessions this node's row is recorded for, as last committed: a row of ours keeps the session
   * attached (every detach is decided under the lock from all rows), so while it stands and the
   * session still has a connection here there is nothing to write — a long-poll's close followed by
   * the next poll's open costs no transaction.
   */
  const recorded = new Set<string>();
  /** Work on one session runs one at a time, so a close and a reopen are recorded in order. */
  const chains = new Map<string, Promise<void>>();
  let hasStarted = false;

  const keyOf = (accountId: string, id: string) => `${accountId}\u0000${id}`;
  const isConnected = (accountId: string, id: string) => (connections.get(keyOf(accountId, id)) ?? 0) > 0;
  const graceMs = (account: Account) => account.settings.agentConnectionGraceSeconds * 1000;
  const endMs = (account: Account) => account.settings.agentConnectionEndSeconds * 1000;

  function serially(accountId: string, id: string, work: () => Promise<void>): Promise<void> {
    const key = keyOf(accountId, id);
    // A failed step (the store down a moment) leaves the due time in place: the sweep tries again.
    const next = (chains.get(key) ?? Promise.resolve()).then(work).catch(() => undefined);
    chains.set(key, next);
    void next.then(() => {
      if (chains.get(key) === next) chains.delete(key);
    });
    return next;
  }

  /** Whether no node holds a connection of the session (under the account's lock). */
  const isUnheld = async (tx: Transaction, session: AgentSession) =>
    (await tx.nodes.countConnections(session.accountId, session.id)) === 0;

  /**
   * Runs `work` in a transaction under the account's lock, with the session as stored then if it
   * is a live connection-bound one (after `before`, which runs whatever the session is).
   */
  async function locked<T>(
    accountId: string,
    id: string,
    work: (tx: Transaction, account: Account, session: AgentSession) => Promise<T>,
    before?: (tx: Transaction) => Promise<void>,
  ): Promise<T | undefined> {
    return store.transaction(async (tx) => {
      await tx.lockAccount(accountId);
      await before?.(tx);
      const account = await tx.accounts.get(accountId);
      const session = await tx.agentSessions.get(accountId, id);
      if (account === undefined || session === undefined || session.endedAt !== null) return undefined;
      return session.isConnectionBound === true ? work(tx, account, session) : undefined;
    });
  }

  /**
   * Makes the session's mark agree with the connections every node holds: attached when one does
   * (returning the session to give its availability back to, when it was put Away for want of a
   * connection), detached from now when none does and it was not already.
   */
  async function settle(tx: Transaction, account: Account, session: AgentSession): Promise<AgentSession | undefined> {
    if (!(await isUnheld(tx, session))) {
      if (session.detachedAt == null && session.autoAway == null) return undefined;
      await tx.agentSessions.setDetached(session.accountId, session.id, null, null);
      return session.autoAway == null ? undefined : session;
    }
    if (session.detachedAt == null) {
      const now = clock.now();
      await tx.agentSessions.setDetached(session.accountId, session.id, now, now + graceMs(account));
    }
    return undefined;
  }

  /** After the commit (setAvailability takes the lock itself): the availability the session had. */
  async function giveBack(session: AgentSession | undefined): Promise<void> {
    if (session?.autoAway == null) return;
    await sessions.setAvailability(session, session.autoAway.availability, session.autoAway.chatReasonId);
  }

  /** Records whether this node holds connections of the session now, and settles its mark. */
  async function sync(accountId: string, id: string): Promise<void> {
    const key = keyOf(accountId, id);
    const isHeld = isConnected(accountId, id);
    if (isHeld && recorded.has(key)) return;
    const held: HeldConnection = { nodeId, accountId, sessionId: id };
    const returned = await locked(
      accountId,
      id,
      (tx, account, session) => settle(tx, account, session),
      // Whatever the session is now: a row left behind would keep an ended session's id held.
      (tx) => (isHeld ? tx.nodes.addConnection(held) : tx.nodes.removeConnection(held)),
    );
    if (isHeld) recorded.add(key);
    else recorded.delete(key);
    await giveBack(returned);
  }

  /** Settles the session's mark from the rows as they are (another node's went, or none ever was). */
  async function resettle(accountId: string, id: string): Promise<void> {
    await giveBack(await locked(accountId, id, (tx, account, session) => settle(tx, account, session)));
  }

  /** A detached session whose due time came: Away past the grace, ended past the end limit. */
  async function check(accountId: string, id: string): Promise<void> {
    const next = await locked(accountId, id, async (tx, account, session) => {
      if (session.detachedAt == null || !(await isUnheld(tx, session))) {
        return { returned: await settle(tx, account, session) };
      }
      const now = clock.now();
      const endsAt = session.detachedAt + endMs(account);
      if (now >= endsAt) return { endingSince: session.detachedAt };
      const awayAt = session.detachedAt + graceMs(account);
      if (now < awayAt) {
        await tx.agentSessions.setDetached(accountId, id, session.detachedAt, awayAt);
      } else if (session.availability === Availability.AWAY) {
        await tx.agentSessions.setDetached(accountId, id, session.detachedAt, endsAt);
      } else {
        return { away: { session, since: session.detachedAt, endsAt } };
      }
      return {};
    });
    if (next === undefined) return;
    await giveBack(next.returned);
    // What follows takes the lock again (ending, setting Away): each is asked again under it
    // whether the session is still unheld and detached since the same time.
    const stillDetached =
      (since: number): SessionCheck =>
      async (tx, current) =>
        current.detachedAt != null && current.detachedAt === since && (await isUnheld(tx, current));
    if (next.endingSince != null) {
      await sessions.end(accountId, id, stillDetached(next.endingSince));
    } else if (next.away !== undefined) {
      const { session, since, endsAt } = next.away;
      await sessions.setAvailability(session, Availability.AWAY, null, {
        autoAway: { availability: session.availability, chatReasonId: session.chatReasonId ?? null },
        isDue: async (tx, current, now) => {
          if (current.availability === Availability.AWAY || !(await stillDetached(since)(tx, current, now)))
            return false;
          await tx.agentSessions.setDetached(accountId, id, since, endsAt);
          return true;
        },
      });
    }
  }

  /**
   * A server's first turn of the timers: a live connection-bound session marked attached that no
   * node holds (a database from before the node registry) starts its grace now.
   */
  async function start(): Promise<void> {
    for (const account of await store.accounts.list()) {
      for (const session of await store.agentSessions.listLive(account.id)) {
        if (session.isConnectionBound !== true || session.detachedAt != null) continue;
        await serially(account.id, session.id, () => resettle(account.id, session.id));
      }
    }
  }

  return {
    /**
     * Counts a connection of the session (a stream, a held long-poll) until the function returned
     * is called; a session that is not connection-bound is not counted.
     */
    connected(session: AgentSession): ReleaseConnection {
      if (session.isConnectionBound !== true) return () => undefined;
      const { accountId, id } = session;
      const key = keyOf(accountId, id);
      const before = connections.get(key) ?? 0;
      connections.set(key, before + 1);
      if (before === 0) void serially(accountId, id, () => sync(accountId, id));
      let isReleased = false;
      return ({ serverClosing = false } = {}) => {
        if (isReleased) return;
        isReleased = true;
        const left = (connections.get(key) ?? 1) - 1;
        if (left > 0) connections.set(key, left);
        else connections.delete(key);
        // Closed by a drain: the row stays until this node deregisters (see above).
        if (left === 0 && !serverClosing) void serially(accountId, id, () => sync(accountId, id));
      };
    },

    /** How many connections of the session this node holds open now. */
    connections(session: Pick<AgentSession, 'accountId' | 'id'>): number {
      return connections.get(keyOf(session.accountId, session.id)) ?? 0;
    },

    /** Resolves once what was recorded for the session's connections so far is in the store. */
    settled(session: Pick<AgentSession, 'accountId' | 'id'>): Promise<void> {
      return chains.get(keyOf(session.accountId, session.id)) ?? Promise.resolve();
    },

    /**
     * The rows of a node that went (deregistered, or found dead) have been removed: each session
     * they held that no node holds now gets its grace from now.
     */
    async release(removed: readonly HeldConnection[]): Promise<void> {
      const seen = new Set<string>();
      for (const { nodeId: holder, accountId, sessionId } of removed) {
        const key = keyOf(accountId, sessionId);
        if (holder === nodeId) recorded.delete(key);
        if (seen.has(key)) continue;
        seen.add(key);
        await serially(accountId, sessionId, () => resettle(accountId, sessionId));
      }
    },

    /**
     * Writes this node's rows again for every session it holds connections of (its registration
     * was taken for dead and removed, with them, while it was still serving).
     */
    async recordAgain(): Promise<void> {
      recorded.clear();
      for (const key of [...connections.keys()]) {
        const [accountId = '', id = ''] = key.split('\u0000');
        await serially(accountId, id, () => sync(accountId, id));
      }
    },

    /**
     * One turn of the timers: on a server's first, the start rule above; then the detached sessions
     * whose due time has come (found by an indexed due time, never a scan of every session).
     */
    async sweep(batch = 100): Promise<number> {
      if (!hasStarted) {
        hasStarted = true;
        await start();
      }
      const due = await store.agentSessions.duePresence(clock.now(), batch);
      for (const session of due)
        await serially(session.accountId, session.id, () => check(session.accountId, session.id));
      return due.length;
    },
  };
}

export type AgentPresence = ReturnType<typeof createAgentPresence>;
