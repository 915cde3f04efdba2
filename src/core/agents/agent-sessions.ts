import { AppError, ErrorCode } from '../errors.js';
import type { Account, User } from '../model.js';
import type { Clock, EventBus, Random, Store, Transaction } from '../ports.js';
import { TOUCH_RESOLUTION_MS } from '../clock.js';
import { requireAccount } from '../accounts/require-account.js';
import { endedChat, requeuedChat, stateEvent, systemLine, unrungChat } from '../chats/chat-events.js';
import {
  Availability,
  ChatState,
  type AgentSession,
  type Chat,
  type CommittedChange,
  type SessionTouch,
} from '../chats/chat-model.js';
import type { ChatWriter } from '../chats/chat-writer.js';
import { createWriteBehind, isDeferrable, later } from '../write-behind.js';
import { availabilityChanged, effectiveAvailability, type Router } from './router.js';

/** The caller of an agent-side route, already authenticated (bearer or OAuth 1.0 key). */
export interface AgentIdentity {
  user: User;
  /** The login session whose bearer made the call; null for signed (OAuth 1.0) calls. */
  loginSessionId: string | null;
}

/**
 * How many live agent sessions one login session may hold, and one user across all credentials
 * (docs/adr/0007-bounded-edge.md). An agent needs one per device (chat-agent-api §3.10); more
 * only grow the routing and sweep work. Login sessions per user are capped already
 * (maxLoginSessionsPerUser), so the user cap bounds OAuth 1.0 callers, which have none.
 */
export const AGENT_SESSION_LIMITS = { perLoginSession: 20, perUser: 100 } as const;

/**
 * Asked under the account's lock with a live session as stored then: whether a timer's change
 * still applies (false leaves the session be). It may write in `tx`, with the change.
 */
export type SessionCheck = (tx: Transaction, session: AgentSession, now: number) => boolean | Promise<boolean>;

/**
 * Agent sessions (chat-agent-api §3.1–3.4, §1.7): created for the caller's user, owned by it alone
 * (403 / 43 for anyone else), kept alive by requests (400 s idle ends one), ended by DELETE or by
 * the end of the login session whose bearer created it. Chats a session still holds then move to
 * another live session of the same agent, or are requeued with system line 23, or end with line 6
 * when no agent holding the chat's skill is logged in at all; the chats it is a participant of, it
 * leaves (docs/SHARED-CHATS.md).
 */
export function createAgentSessions(deps: {
  store: Store;
  clock: Clock;
  random: Random;
  bus: EventBus;
  writer: ChatWriter;
  router: Router;
  /** Takes an ending session out of the chats it is a participant of, in the ending's transaction. */
  leaveAll: (tx: Transaction, account: Account, sessionId: string) => Promise<void>;
}) {
  const { store, clock, random, bus, writer, router, leaveAll } = deps;
  /** Keep-alives under way, by account and session. */
  const keepingAlive = new Map<string, Promise<void>>();

  const sessionKey = (accountId: string, sessionId: string) => `${accountId}\u0000${sessionId}`;
  /** Requests recorded on sessions and not yet written (docs/adr/0012-buffered-touches.md). */
  const touches = createWriteBehind<SessionTouch>({
    keyOf: (touch) => sessionKey(touch.accountId, touch.sessionId),
    merge: (earlier, touch) => ({
      ...touch,
      at: Math.max(earlier.at, touch.at),
      idleDueAt: Math.max(earlier.idleDueAt, touch.idleDueAt),
    }),
    write: (batch) => store.agentSessions.touchMany(batch),
  });

  /** The session with this node's unwritten requests on it. */
  function withTouches(session: AgentSession): AgentSession {
    const touch = touches.pending(sessionKey(session.accountId, session.id));
    return touch === undefined
      ? session
      : {
          ...session,
          lastRequestAt: Math.max(session.lastRequestAt, touch.at),
          idleDueAt: later(session.idleDueAt, touch.idleDueAt),
        };
  }

  /**
   * Pushes a live session's idle deadline back for a request (or a stream's keep-alive). The
   * deadline is 400 s away: within a second of the last one nothing is recorded (a bot polling
   * every 2 s, or re-polling at once after each long-poll), and while the stored deadline is more
   * than 10 s away the request waits for the next flush (write-behind.ts), as a chat's touch does.
   */
  async function recordRequest(account: Account, session: AgentSession): Promise<AgentSession> {
    const now = clock.now();
    const seen = withTouches(session);
    if (now - seen.lastRequestAt < TOUCH_RESOLUTION_MS) return seen;
    const idleDueAt = idleDue(account, now);
    // Judged on the deadline as read (a cached session's is never later than the stored one).
    if (isDeferrable(session.idleDueAt, now)) {
      touches.record({ accountId: account.id, sessionId: session.id, at: now, idleDueAt });
      return { ...seen, lastRequestAt: now, idleDueAt };
    }
    const touched = await store.agentSessions.touch(account.id, session.id, now, idleDueAt);
    if (touched === undefined) throw new AppError(ErrorCode.NOT_FOUND, 'Agent session not found');
    return touched;
  }

  const idleDue = (account: Account, now: number) => now + account.settings.agentSessionIdleSeconds * 1000;

  async function newId(accountId: string): Promise<string> {
    for (;;) {
      const digits = Array.from(random.bytes(10), (byte) => String(byte % 10)).join('');
      const id = `1${digits}`;
      if ((await store.agentSessions.get(accountId, id)) === undefined) return id;
    }
  }

  /** Withdraws the rings at an agent, except those `keep` keeps; returns the changes made. */
  async function withdrawRings(
    tx: Transaction,
    accountId: string,
    userId: number,
    keep: (chat: Pick<Chat, 'targetUserId'>) => boolean = () => false,
  ): Promise<CommittedChange[]> {
    const changed = [];
    for (const chat of await tx.chats.listRinging(accountId, userId)) {
      if (keep(chat)) continue;
      const result = await writer.changeWithin(tx, accountId, chat.id, (ringing) => ({
        chat: unrungChat(ringing),
        events: [],
      }));
      changed.push(result);
    }
    return changed;
  }

  /**
   * Ends one session and hands its chats on (see above); idempotent. A timer gives `isDue`, asked
   * under the account's lock with the session as stored then: a request (on any node) may have
   * pushed its due time back since the timer read it, and then nothing ends.
   */
  async function end(accountId: string, sessionId: string, isDue?: SessionCheck): Promise<void> {
    const account = await store.accounts.get(accountId);
    if (account === undefined) return;
    const changed = await store.transaction(async (tx) => {
      await tx.lockAccount(accountId);
      const session = await tx.agentSessions.get(accountId, sessionId);
      if (session === undefined || session.endedAt !== null) return [];
      const now = clock.now();
      if (isDue !== undefined && !(await isDue(tx, session, now))) return [];
      await tx.agentSessions.save({ ...session, endedAt: now, idleDueAt: null, presenceDueAt: null });
      const live = (await tx.agentSessions.listLive(accountId)).filter((s) => s.id !== sessionId);
      const sameAgent = live.find((s) => s.userId === session.userId);
      const users = await tx.users.list(accountId);
      const loggedIn = new Set(live.map((s) => s.userId));
      const results = [];
      for (const held of await tx.chats.heldBySession(accountId, sessionId)) {
        const result = await writer.changeWithin(tx, accountId, held.id, (chat, at) => {
          if (sameAgent !== undefined) return { chat: { ...chat, agentSessionId: sameAgent.id }, events: [] };
          const someoneCanTake = users.some(
            (user) =>
              loggedIn.has(user.id) &&
              user.id !== session.userId &&
              (chat.skillId === null || user.skillIds.includes(chat.skillId)),
          );
          if (!someoneCanTake) {
            return {
              chat: endedChat(chat, account, at),
              events: [systemLine(account, 6, at), stateEvent(ChatState.ENDED, at)],
            };
          }
          return {
            chat: requeuedChat(chat, at),
            events: [systemLine(account, 23, at), stateEvent(ChatState.WAITING, at)],
          };
        });
        results.push(result);
      }
      // Rings at an agent with no session left go elsewhere.
      if (sameAgent === undefined) results.push(...(await withdrawRings(tx, accountId, session.userId)));
      await leaveAll(tx, account, sessionId);
      return results;
    });
    if (changed.length > 0) await router.route(accountId);
  }

  /** Ends the agent sessions created with a login session's bearer (platform §4.7). */
  async function endCreatedBy(loginSessionId: string): Promise<void> {
    for (const session of await store.agentSessions.listLiveByLoginSession(loginSessionId)) {
      await end(session.accountId, session.id);
    }
  }

  // Expiry, eviction and a disabled user end login sessions outside any request; the timers'
  // sweep of orphaned agent sessions catches whatever this misses.
  bus.subscribe('login-session.ended', (event) => {
    void endCreatedBy(event.sessionId).catch(() => undefined);
  });

  return {
    end,
    endCreatedBy,

    /**
     * POST agentSession: a new session, Online unless the agent already has a live session, whose
     * availability it shares. A connection-bound one (`presence=connection`, agent-presence.ts)
     * starts detached: it has its grace to open a connection, as after a reload.
     */
    async start(
      accountId: string,
      caller: AgentIdentity,
      options: { isConnectionBound?: boolean } = {},
    ): Promise<AgentSession> {
      const account = await requireAccount(store, accountId);
      const id = await newId(accountId);
      // Counted and saved under the account's lock, so racing starts cannot pass the limit together.
      const session = await store.transaction(async (tx) => {
        await tx.lockAccount(accountId);
        const own = (await tx.agentSessions.listLive(accountId)).filter((s) => s.userId === caller.user.id);
        const ofLogin = own.filter((s) => caller.loginSessionId !== null && s.loginSessionId === caller.loginSessionId);
        // 409, not 429: waiting does not help (and clients retry a 429), ending a session does.
        if (ofLogin.length >= AGENT_SESSION_LIMITS.perLoginSession || own.length >= AGENT_SESSION_LIMITS.perUser) {
          const [limit, holder] =
            ofLogin.length >= AGENT_SESSION_LIMITS.perLoginSession
              ? [AGENT_SESSION_LIMITS.perLoginSession, 'This login']
              : [AGENT_SESSION_LIMITS.perUser, 'This user'];
          throw new AppError(
            ErrorCode.CONFLICT,
            `${holder} already has ${limit} live agent sessions (the limit): end one before starting another`,
          );
        }
        const now = clock.now();
        // The agent's availability: that of a session put Away only for want of a connection is the
        // one it had before (agent-presence.ts); an agent coming back is not made Away by its own
        // closed tab.
        const shared = own.find((s) => s.autoAway == null) ?? own[0];
        const started: AgentSession = {
          accountId,
          id,
          userId: caller.user.id,
          loginSessionId: caller.loginSessionId,
          availability: shared?.autoAway?.availability ?? shared?.availability ?? Availability.ONLINE,
          chatReasonId: shared?.autoAway != null ? shared.autoAway.chatReasonId : (shared?.chatReasonId ?? null),
          createdAt: now,
          lastRequestAt: now,
          endedAt: null,
          idleDueAt: idleDue(account, now),
          availabilitySince: now,
          ...(options.isConnectionBound === true
            ? {
                isConnectionBound: true,
                detachedAt: now,
                presenceDueAt: now + account.settings.agentConnectionGraceSeconds * 1000,
              }
            : {}),
        };
        await tx.agentSessions.save(started);
        return started;
      });
      await router.route(accountId);
      return session;
    },

    /**
     * The caller's own live session, its idle deadline pushed back. Another user's session is
     * 403 / 43; an unknown or ended one 404 / 42 (chat-agent-api §1.7).
     */
    async use(
      accountId: string,
      sessionId: string,
      caller: AgentIdentity,
    ): Promise<{ account: Account; session: AgentSession }> {
      const account = await requireAccount(store, accountId);
      const session = await store.agentSessions.get(accountId, sessionId);
      if (session === undefined || session.endedAt !== null)
        throw new AppError(ErrorCode.NOT_FOUND, 'Agent session not found');
      if (session.userId !== caller.user.id)
        throw new AppError(ErrorCode.FORBIDDEN, 'This agent session belongs to another user');
      return { account, session: await recordRequest(account, session) };
    },

    /**
     * Records activity on a session that has streams open (no other request to touch it). A session
     * may have many (one per chat, and its own), whose keep-alives come together: they share one
     * read, and write at most once a second, as requests do.
     */
    keepAlive(session: AgentSession): Promise<void> {
      const k = `${session.accountId}\u0000${session.id}`;
      const running = keepingAlive.get(k);
      if (running !== undefined) return running;
      const work = (async () => {
        const account = await store.accounts.get(session.accountId);
        if (account === undefined) return;
        const current = await store.agentSessions.get(session.accountId, session.id);
        if (current === undefined || current.endedAt !== null)
          throw new AppError(ErrorCode.NOT_FOUND, 'Agent session not found');
        await recordRequest(account, current);
      })().finally(() => keepingAlive.delete(k));
      keepingAlive.set(k, work);
      return work;
    },

    /**
     * Sets the session's availability. An agent no longer Online loses the chats ringing at it,
     * which ring elsewhere at once (chat-agent-api §3.4: "ringing requests are re-routed"); an
     * Occupied agent keeps only transfers addressed to it. The reason given with it (or none)
     * replaces the one before (chat-agent-api §3.4, `chatReasonId`). `autoAway` is given when the
     * server puts a detached session Away (agent-presence.ts): what to give back on its return; any
     * other change forgets it. A timer gives `isDue` (see SessionCheck): when it says no, nothing
     * changes and the session is returned as it is.
     */
    async setAvailability(
      session: AgentSession,
      availability: Availability,
      reasonId: string | null = null,
      options: { autoAway?: AgentSession['autoAway']; isDue?: SessionCheck } = {},
    ): Promise<AgentSession> {
      const now = clock.now();
      let isChanged = true;
      const updated = await store.transaction(async (tx) => {
        await tx.lockAccount(session.accountId);
        // Read again under the lock: a ring timeout may have set the agent Away meanwhile.
        const current = await tx.agentSessions.get(session.accountId, session.id);
        if (options.isDue !== undefined && current !== undefined && current.endedAt === null) {
          if (!(await options.isDue(tx, current, now))) {
            isChanged = false;
            return current;
          }
        }
        const since = current?.availability === availability ? current.availabilitySince : now;
        const saved = await tx.agentSessions.setAvailability(
          session.accountId,
          session.id,
          availability,
          since,
          reasonId,
          options.autoAway ?? null,
        );
        if (saved === undefined) throw new AppError(ErrorCode.NOT_FOUND, 'Agent session not found');
        const sessions = (await tx.agentSessions.listLive(session.accountId)).filter(
          (s) => s.userId === session.userId,
        );
        const overall = effectiveAvailability(sessions);
        if (overall !== Availability.ONLINE) {
          await withdrawRings(
            tx,
            session.accountId,
            session.userId,
            (chat) => overall === Availability.OCCUPIED && chat.targetUserId === session.userId,
          );
        }
        tx.afterCommit(() => bus.publish(availabilityChanged(saved)));
        return saved;
      });
      if (isChanged) await router.route(session.accountId);
      return updated;
    },

    /** Writes the requests recorded on sessions (each timers' turn does, on every node). */
    flushRequests: touches.flush,

    /**
     * Ends sessions idle past their due time, and those whose login session is gone (logged out,
     * expired, evicted) if the announcement of that was missed; the server runs it with the timers.
     */
    async sweepIdle(batch = 100): Promise<number> {
      // This node's requests count before anything is judged idle (other nodes: recordRequest).
      await touches.flush();
      const idle = await store.agentSessions.dueIdle(clock.now(), batch);
      const orphaned = await store.agentSessions.orphaned(batch);
      // Re-checked under the lock: a request may have kept the session alive since it was read.
      const isIdle: SessionCheck = (_tx, session, now) => session.idleDueAt !== null && session.idleDueAt <= now;
      for (const session of idle) await end(session.accountId, session.id, isIdle);
      // A login session never comes back: an orphan ends whenever it is found.
      for (const session of orphaned) await end(session.accountId, session.id);
      return idle.length + orphaned.length;
    },
  };
}

export type AgentSessions = ReturnType<typeof createAgentSessions>;
