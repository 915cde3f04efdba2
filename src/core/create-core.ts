import type { LoginSession } from './model.js';
import { createAdministration } from './accounts/administration.js';
import { requireAccount } from './accounts/require-account.js';
import { createLogin } from './auth/login.js';
import { createLoginSessions } from './auth/login-sessions.js';
import { defaultLoginBudgets, KNOWN_SOURCE_WINDOW_MS, type LoginBudgets } from './auth/login-throttle.js';
import { createOAuth1Verifier } from './auth/verify-oauth1.js';
import { createServiceResolver } from './domain/resolve-services.js';
import { createHealthCheck } from './health/check-health.js';
import type { Clock, EventBus, Mailer, PasswordHasher, Random, RateLimiter, SecretBox, Store } from './ports.js';
import { createSeedApplier } from './seed/apply-seed.js';
import { createAgentChatActions } from './chats/agent-chat-actions.js';
import { createCapacity } from './chats/capacity.js';
import { createAppEngagement } from './engagement/app-engagement.js';
import { createChatTimers } from './chats/chat-timers.js';
import { createChatWriter } from './chats/chat-writer.js';
import { createSendTranscript } from './chats/send-transcript.js';
import { createStartChat } from './chats/start-chat.js';
import { createVisitorAuthentication } from './chats/visitor-authentication.js';
import { createVisitorChat } from './chats/visitor-chat.js';
import { createVisitorSurveys } from './chats/visitor-surveys.js';
import { createChatWatch } from './chats/chat-watch.js';
import { createChatHeads } from './chats/chat-heads.js';
import { createTouchBuffer } from './chats/touch-buffer.js';
import { createAgentChats } from './agents/agent-chats.js';
import { createAgentDirectory } from './agents/agent-directory.js';
import { createAgentNotifications } from './agents/agent-notifications.js';
import { createAgentPresence } from './agents/agent-presence.js';
import { createAgentSessions } from './agents/agent-sessions.js';
import { createRouter } from './agents/router.js';
import { createSharedChats } from './sharing/shared-chats.js';
import { createNodeRegistry, TIMERS_LEASE } from './nodes/node-registry.js';
import { randomHex } from './tokens.js';

export interface CoreDeps {
  /**
   * Every request looks up its account, caller and agent session: the wiring hands the core the
   * store behind its cache (src/store/cached-store.ts), which the core cannot import.
   */
  store: Store;
  clock: Clock;
  random: Random;
  bus: EventBus;
  /**
   * Whether this process hears of every change to a chat when it happens: its own through the bus,
   * any other process's through the store's external version. So on one SQLite node, where a poll
   * with nothing new is answered from the chat's head (docs/adr/0013-chat-heads.md); never with
   * nodes that share Redis, whose changes arrive a little later, nor on PostgreSQL, whose external
   * version does not follow chats.
   */
  hearsEveryChange?: boolean;
  hasher: PasswordHasher;
  secrets: SecretBox;
  /** Request budgets per account and caller (platform §6.3). */
  rateLimiter: RateLimiter;
  /**
   * Failed-login buckets, in a limiter of their own: request budget keys are picked by callers
   * before authentication, so sharing one bounded map would let junk requests evict a lockout.
   */
  loginLimiter: RateLimiter;
  /** Sanitises agent HTML lines to the allowlist before they are stored (chat-agent-api §3.15). */
  sanitizeHtml: (html: string) => string;
  /** Sends transcripts; without it transcript requests answer 404 / 42. */
  mailer?: Mailer;
  /** Failed logins tolerated; any budget not given is `defaultLoginBudgets`'. */
  loginBudgets?: Partial<LoginBudgets>;
  /** This node's id in the registry (docs/adr/0010-several-nodes.md); random unless given. */
  nodeId?: string;
}

/** The domain core: every use case, wired over the ports it is given. */
export function createCore(deps: CoreDeps) {
  const sessions = createLoginSessions(deps);
  const writer = createChatWriter(deps);
  const router = createRouter({ ...deps, writer });
  // Routing after a change must not fail the change itself, which is committed; the timer loop
  // routes every account with unrouted chats again.
  const route = (accountId: string) => router.route(accountId).catch(() => undefined);
  const capacity = createCapacity(deps);
  const touches = createTouchBuffer(deps.store);
  const heads = createChatHeads({ ...deps, exact: deps.hearsEveryChange === true });
  const visitorChat = createVisitorChat({ ...deps, writer, touches, heads, route });
  const visitorAuthentication = createVisitorAuthentication(deps);
  const agentActions = createAgentChatActions({ store: deps.store, writer });
  const timers = createChatTimers({ ...deps, writer, touches, route });
  const sharing = createSharedChats({ ...deps, writer });
  const agentSessions = createAgentSessions({ ...deps, writer, router, leaveAll: sharing.leaveAll });
  const nodeId = deps.nodeId ?? randomHex(deps.random, 12);
  const registry = createNodeRegistry({ store: deps.store, clock: deps.clock, nodeId });
  const presence = createAgentPresence({ store: deps.store, clock: deps.clock, sessions: agentSessions, nodeId });
  const watch = createChatWatch(deps.bus);
  /** Requests recorded on chats and sessions and not yet written (docs/adr/0012-buffered-touches.md). */
  const flushTouches = async (): Promise<void> => {
    const flushed = await Promise.allSettled([touches.flush(), agentSessions.flushRequests()]);
    const failures = flushed.flatMap((flush) => (flush.status === 'rejected' ? [flush.reason] : []));
    if (failures.length > 0) throw new AggregateError(failures, 'writing recorded requests failed');
  };
  /** Forgets OAuth nonces, idempotency keys and known login sources past their windows. */
  const sweepKeys = async (): Promise<void> => {
    const now = deps.clock.now();
    const sweeps = await Promise.allSettled([
      deps.store.nonces.deleteExpired(now),
      deps.store.idempotencyKeys.deleteExpired(now),
      deps.store.knownLoginSources.deleteOlderThan(now - KNOWN_SOURCE_WINDOW_MS),
    ]);
    const failures = sweeps.flatMap((sweep) => (sweep.status === 'rejected' ? [sweep.reason] : []));
    if (failures.length > 0) throw new AggregateError(failures, 'sweeping expired keys failed');
  };
  /** Renews this node's heartbeat; rows another node removed while it was taken for dead come back. */
  const heartbeat = async () => {
    if (await registry.heartbeat()) await presence.recordAgain();
  };
  return {
    sessions: {
      ...sessions,
      /** Logout (L5), answered once the agent sessions created with its bearer have ended too. */
      async logout(session: LoginSession) {
        const ended = await sessions.logout(session);
        await agentSessions.endCreatedBy(ended.id);
        return ended;
      },
    },
    /**
     * One turn of every timer (the server runs it each second), by the one node that holds the
     * timers' lease (the others' turns do nothing; the server renews the heartbeat on a timer of
     * its own, so a long turn cannot make the node look dead): connections of dead nodes removed, chats past maxWaitTime or idle, rings past the ring timeout, idle agent
     * sessions, connection-bound ones detached past their grace or end limit (agent-presence.ts),
     * and routing of anything left unrouted. Every action re-checks its due time under the chat's
     * or account's lock, so a turn that overlaps another node's (a lease taken over from a node
     * that was only slow) changes nothing twice.
     */
    async tick(): Promise<void> {
      // Every node writes the requests it recorded, whether or not it runs the timers.
      await flushTouches();
      if (!(await registry.takeLease(TIMERS_LEASE))) return;
      // What other nodes and the CLI changed (an account's settings, a user) counts in this turn.
      await deps.store.catchUp();
      await presence.release(await registry.removeDead());
      await timers.runDue();
      await router.expireRings();
      await agentSessions.sweepIdle();
      await presence.sweep();
      for (const accountId of await deps.store.chats.accountsWithUnroutedChats()) await route(accountId);
    },
    /**
     * Forgets OAuth nonces, idempotency keys and known login sources past their windows (the server
     * runs it with the session sweep, each minute); until then an expired row is only ever taken
     * over, never obeyed. Each sweep runs even when another fails (one table's fault must not let
     * the others grow); the failures are thrown together afterwards.
     */
    sweepExpiredKeys: sweepKeys,
    /** See Store.catchUp: every API request begins with it (src/http/app.ts). */
    catchUp: () => deps.store.catchUp(),
    /** Writes the requests recorded on chats and sessions (each turn does; so does a drain). */
    flushTouches,
    /**
     * The minute's sweeps (expired login sessions, then keys), by the node that holds the timers'
     * lease; false when another node holds it and nothing was swept.
     */
    async sweep(): Promise<boolean> {
      if (!(await registry.takeLease(TIMERS_LEASE))) return false;
      const sweeps = await Promise.allSettled([sessions.sweepExpired(), sweepKeys()]);
      const failures = sweeps.flatMap((sweep) => (sweep.status === 'rejected' ? [sweep.reason] : []));
      if (failures.length > 0) throw new AggregateError(failures, 'sweeping failed');
      return true;
    },
    /**
     * This node in the registry of nodes sharing the database (docs/adr/0010-several-nodes.md):
     * the server registers it at start, renews its heartbeat, marks it draining on close and
     * deregisters it once drained.
     */
    nodes: {
      id: nodeId,
      register: registry.register,
      heartbeat,
      drain: registry.drain,
      /** Its row and connections go; the sessions it held start their grace now. */
      async deregister(): Promise<void> {
        await presence.release(await registry.deregister());
      },
      live: registry.live,
    },
    login: createLogin({
      ...deps,
      sessions,
      // One by one, not spread: a budget given as undefined must not replace the default.
      loginBudgets: {
        userAtAddress: deps.loginBudgets?.userAtAddress ?? defaultLoginBudgets.userAtAddress,
        address: deps.loginBudgets?.address ?? defaultLoginBudgets.address,
        user: deps.loginBudgets?.user ?? defaultLoginBudgets.user,
      },
    }),
    oauth1: createOAuth1Verifier(deps),
    /** Request budgets per account and caller (platform §6.3), spent by the transports per request. */
    requestBudgets: deps.rateLimiter,
    health: createHealthCheck({ ...deps, nodeId }),
    services: createServiceResolver(deps.store),
    seeds: createSeedApplier({ ...deps, sessions }),
    administration: createAdministration({ ...deps, sessions, endAgentSession: agentSessions.end }),
    /** The App Engagement API's engagements (LivePerson's JavaScript Chat SDK, `getEngagement`). */
    engagement: createAppEngagement({ store: deps.store, random: deps.random, capacity }),
    accounts: {
      /** The account a request names: 400 / 40 for an id of the wrong shape, ACCOUNT_INVALID when unknown. */
      require: (accountId: string) => requireAccount(deps.store, accountId),
    },
    chats: {
      capacity,
      visitor: visitorChat,
      start: createStartChat({
        ...deps,
        capacity,
        writer,
        visitorAuthentication,
        route,
        joinAtStart: sharing.joinAtStart,
      }),
      surveys: createVisitorSurveys({ ...deps, writer, visitorChat }),
      transcripts: createSendTranscript({ store: deps.store, visitorChat, mailer: deps.mailer }),
      visitorAuthentication,
      timers,
      agentActions,
      watch,
      heads,
    },
    agents: {
      router,
      sessions: agentSessions,
      /** Connection-bound sessions: the transports count their connections here. */
      presence,
      chats: createAgentChats({ ...deps, writer, router, actions: agentActions, sharing, touches, heads }),
      directory: createAgentDirectory({ ...deps, capacity }),
      notifications: createAgentNotifications({ ...deps, router, watch }),
      /** Shared chats: participants, invitations, automatic listening, take over (docs/SHARED-CHATS.md). */
      sharing,
    },
  };
}

export type Core = ReturnType<typeof createCore>;
