import type { Account } from '../model.js';
import type { Clock, Store } from '../ports.js';
import { Availability, type AgentSession } from '../chats/chat-model.js';
import type { AgentSessions } from './agent-sessions.js';

/** Ends what a connection held: `serverClosing` when the server closed it itself (a drain). */
export type ReleaseConnection = (options?: { serverClosing?: boolean }) => void;

/**
 * Connection-bound agent sessions (`presence=connection`, docs/LEGACY-QUIRKS.md): a browser agent
 * is there while it has a connection open (a session or chat event stream, a held long-poll), not
 * for the 400 s an API client's requests keep a session. This node counts each session's
 * connections in memory; when the last closes the session is marked detached in the store, so that
 * the timers' sweep finds it by its due time. Detached past `agentConnectionGraceSeconds` it goes
 * Away as setAvailability would (its rings ring elsewhere), remembering what it was; past
 * `agentConnectionEndSeconds` it ends as an idle session does. A connection coming back clears the
 * mark and gives back an availability taken automatically.
 *
 * A server that closes its own streams (a drain) does not mark them detached: the agents are not
 * gone, the server is. Instead, on its first sweep a server gives every live connection-bound
 * session without a connection here its grace from then. With one node that is every session
 * without a connection; with several nodes (not yet supported) this rule needs a node registry,
 * as another node may hold the session's connections.
 */
export function createAgentPresence(deps: { store: Store; clock: Clock; sessions: AgentSessions }) {
  const { store, clock, sessions } = deps;
  /** Open connections by session. */
  const connections = new Map<string, number>();
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

  /** The session as stored, if it is a live connection-bound one, with its account. */
  async function load(accountId: string, id: string) {
    const account = await store.accounts.get(accountId);
    const session = await store.agentSessions.get(accountId, id);
    if (account === undefined || session === undefined || session.endedAt !== null) return undefined;
    return session.isConnectionBound === true ? { account, session } : undefined;
  }

  /** Makes the stored mark agree with the connections open here now. */
  async function reconcile(accountId: string, id: string): Promise<void> {
    const loaded = await load(accountId, id);
    if (loaded === undefined) return;
    const { account, session } = loaded;
    if (isConnected(accountId, id)) {
      if (session.detachedAt == null && session.autoAway == null) return;
      await store.agentSessions.setDetached(accountId, id, null, null);
      if (session.autoAway != null) {
        await sessions.setAvailability(session, session.autoAway.availability, session.autoAway.chatReasonId);
      }
    } else if (session.detachedAt == null) {
      const now = clock.now();
      await store.agentSessions.setDetached(accountId, id, now, now + graceMs(account));
    }
  }

  /** A detached session whose due time came: Away past the grace, ended past the end limit. */
  async function check(accountId: string, id: string): Promise<void> {
    const loaded = await load(accountId, id);
    if (loaded === undefined) return;
    const { account, session } = loaded;
    if (isConnected(accountId, id) || session.detachedAt == null) return reconcile(accountId, id);
    const now = clock.now();
    const endsAt = session.detachedAt + endMs(account);
    if (now >= endsAt) return sessions.end(accountId, id);
    const awayAt = session.detachedAt + graceMs(account);
    if (now < awayAt) {
      await store.agentSessions.setDetached(accountId, id, session.detachedAt, awayAt);
      return;
    }
    if (session.availability !== Availability.AWAY) {
      await sessions.setAvailability(session, Availability.AWAY, null, {
        autoAway: { availability: session.availability, chatReasonId: session.chatReasonId ?? null },
      });
    }
    await store.agentSessions.setDetached(accountId, id, session.detachedAt, endsAt);
  }

  /**
   * A server's first sweep: every live connection-bound session without a connection here starts
   * its grace now, whatever it was marked before (see above: one node; several need a registry).
   */
  async function start(): Promise<void> {
    const now = clock.now();
    for (const account of await store.accounts.list()) {
      for (const session of await store.agentSessions.listLive(account.id)) {
        if (session.isConnectionBound !== true) continue;
        await serially(account.id, session.id, async () => {
          if (isConnected(account.id, session.id)) return;
          await store.agentSessions.setDetached(account.id, session.id, now, now + graceMs(account));
        });
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
      if (before === 0) void serially(accountId, id, () => reconcile(accountId, id));
      let isReleased = false;
      return ({ serverClosing = false } = {}) => {
        if (isReleased) return;
        isReleased = true;
        const left = (connections.get(key) ?? 1) - 1;
        if (left > 0) connections.set(key, left);
        else connections.delete(key);
        // Closed by a drain: the next server to start gives the session its grace (see above).
        if (left === 0 && !serverClosing) void serially(accountId, id, () => reconcile(accountId, id));
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
