/**
 * The ports the core is built over. Adapters live outside src/core (store/, memory/, security/);
 * every adapter of a port passes that port's contract tests.
 */
import type { Account, ApiKey, LoginSession, Skill, User } from './model.js';
import type {
  AgentSession,
  Chat,
  ChatEvent,
  ChatTouch,
  OfflineMessage,
  SessionTouch,
  SkillScope,
} from './chats/chat-model.js';

/** Wall-clock time as epoch milliseconds; tests drive a manual clock instead of sleeping. */
export interface Clock {
  now(): number;
}

/** Cryptographically secure randomness, so tokens and ids are unguessable. */
export interface Random {
  bytes(length: number): Uint8Array;
}

/** Durable state. Every method is atomic; `transaction` groups several into one. */
export interface Store {
  /**
   * Runs `work` in one transaction: all its writes commit together or none do. Called inside one
   * (on its `tx`), `work` joins it: its writes and after-commit callbacks are the outer one's.
   */
  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T>;
  /**
   * Inside a transaction: waits until no other transaction holds this account's routing lock, and
   * holds it until commit, so that two routers or two accepts never interleave (also across nodes).
   */
  lockAccount(accountId: string): Promise<void>;
  /** Resolves when the database answers; rejects otherwise. */
  ping(): Promise<void>;
  /**
   * What the store knows is wrong without asking the database (a disk that refused the last write
   * for want of space), so that health checks can tell it apart from a database that is down.
   */
  condition(): StoreCondition;
  /**
   * A number that changes whenever another process (the CLI, another server) has committed a write
   * since it was last read, so that what this process keeps in memory can be dropped; undefined
   * when the store cannot tell, and nothing read from it may then be kept.
   */
  externalVersion(): number | undefined;
  /**
   * Resolves once externalVersion() tells of every write another process committed before the
   * call: each request begins with it, so that what is kept in memory is dropped when anything it
   * holds changed before the request came (SQLite reads `pragma data_version`; PostgreSQL reads a
   * version row, one read shared by every request under way).
   */
  catchUp(): Promise<void>;
  close(): Promise<void>;
  accounts: AccountRepository;
  skills: SkillRepository;
  users: UserRepository;
  apiKeys: ApiKeyRepository;
  loginSessions: LoginSessionRepository;
  chats: ChatRepository;
  agentSessions: AgentSessionRepository;
  offlineMessages: OfflineMessageRepository;
  visitorIdentities: VisitorIdentityRepository;
  nonces: NonceRepository;
  idempotencyKeys: IdempotencyKeyRepository;
  knownLoginSources: KnownLoginSourceRepository;
  nodes: NodeRepository;
  leases: LeaseRepository;
}

/**
 * The store inside a transaction. What must follow a commit is registered on it, so that no use
 * case can announce a change that then rolls back, or forget to announce one that committed.
 */
export interface Transaction extends Store {
  /**
   * Runs `callback` once the transaction has committed, after the callbacks registered before it;
   * never when it rolls back. A callback that throws is reported and skipped: the transaction has
   * committed, so it still succeeds, and the callbacks after it still run.
   */
  afterCommit(callback: () => void): void;
}

/** `ok`, or why writes are refused while the database may still answer reads. */
export type StoreCondition = 'ok' | 'disk-full';

export interface AccountRepository {
  get(id: string): Promise<Account | undefined>;
  list(): Promise<Account[]>;
  /** Creates the account or replaces its name, keys, settings and surveys. */
  save(account: Account): Promise<void>;
}

export interface SkillRepository {
  list(accountId: string): Promise<Skill[]>;
  get(accountId: string, id: number): Promise<Skill | undefined>;
  /** Exact match first, then case-insensitive (platform §7.8); deleted skills never match. */
  findByName(accountId: string, name: string): Promise<Skill | undefined>;
  save(skill: Skill): Promise<void>;
  /** One more than the largest id in the account (ids are per account). */
  nextId(accountId: string): Promise<number>;
}

export interface UserRepository {
  list(accountId: string): Promise<User[]>;
  get(accountId: string, id: number): Promise<User | undefined>;
  /** Case-insensitive, deleted users excluded (platform §4.1 step 3). */
  findByLoginName(accountId: string, loginName: string): Promise<User | undefined>;
  /** Creates or fully replaces the user, skills included. */
  save(user: User): Promise<void>;
  nextId(accountId: string): Promise<number>;
}

export interface ApiKeyRepository {
  get(accountId: string, appKey: string): Promise<ApiKey | undefined>;
  /** Keys with this app key in any account (to tell an unknown key from another account's). */
  findByAppKey(appKey: string): Promise<ApiKey[]>;
  list(accountId: string): Promise<ApiKey[]>;
  save(key: ApiKey): Promise<void>;
}

export interface LoginSessionRepository {
  create(session: LoginSession): Promise<void>;
  findByBearerHash(bearerHash: string): Promise<LoginSession | undefined>;
  findByCookieHash(cookieHash: string): Promise<LoginSession | undefined>;
  /** Sessions of one user, oldest first. */
  listForUser(accountId: string, userId: number): Promise<LoginSession[]>;
  refresh(id: string, lastRefreshAt: number, expiresAt: number): Promise<void>;
  /** Deletes the session; false when it was already gone (so only one caller ends it). */
  delete(id: string): Promise<boolean>;
  /** Deletes and returns the sessions that expired at `now`. */
  deleteExpired(now: number): Promise<LoginSession[]>;
}

export interface ChatRepository {
  /** Creates the chat with its first events (ids from 0), atomically. */
  create(chat: Chat, events: ChatEvent[]): Promise<void>;
  /**
   * Reads a chat. With `forUpdate` inside a transaction, other writers of this chat wait until it
   * commits (PostgreSQL row lock; SQLite transactions are serialised anyway).
   */
  get(accountId: string, chatId: string, options?: { forUpdate?: boolean }): Promise<Chat | undefined>;
  /**
   * Writes the chat, and inserts the events it appended, whose ids were taken from `nextEventId`
   * (call inside the transaction that read it under its lock). Given `read`, the chat as that
   * transaction read it, only the fields that differ from it are written; otherwise every field.
   */
  save(chat: Chat, appended?: ChatEvent[], read?: Chat): Promise<void>;
  /**
   * Events with id ≥ `fromId` (and < `before`, when given), in order; agent-only lines only when
   * asked for. A reader passes the `nextEventId` of the chat it read as `before`: events committed
   * after that belong to its next read, which its `next` link points at.
   */
  events(
    accountId: string,
    chatId: string,
    fromId: number,
    options?: { includeAgentOnly?: boolean; before?: number },
  ): Promise<ChatEvent[]>;
  /**
   * Records requests on chats (server-chat §3.9, §4.5), all in one statement. Never moves a time
   * back: `lastUpdate` and each deadline become the later of the stored and the given one; the idle
   * deadline only of a live chat, the retention only of an ended one. So touches may be written
   * late, in any order, or twice (chats/touch-buffer.ts), and a chat that ended meanwhile keeps
   * what its end wrote.
   */
  touch(touches: readonly ChatTouch[]): Promise<void>;
  /** Live chats whose idle or wait due time has come, oldest first. */
  due(now: number, limit: number): Promise<Chat[]>;
  /**
   * The account's waiting chats in queue order (by queued time, then start time, then id), with
   * only what routing and wait estimates look at: read by every routing pass and every
   * availability or wait question.
   */
  queue(accountId: string): Promise<QueuedChat[]>;
  /** The account's waiting and in-progress chats, oldest first (the live-chats list, shared chats). */
  live(accountId: string): Promise<Chat[]>;
  /**
   * The account's live chats that have participants or open invitations, oldest first: the ones
   * an agent session may be in, or invited to, beside those it holds.
   */
  shared(accountId: string): Promise<Chat[]>;
  /** Chats each agent is chatting in now, by user id. */
  activeCountByAgent(accountId: string): Promise<Map<number, number>>;
  /** Chats an agent session holds (chatting), oldest first. */
  heldBySession(accountId: string, agentSessionId: string): Promise<Chat[]>;
  /** Chats an agent holds (chatting) through any of its sessions, oldest first. */
  heldByUser(accountId: string, userId: number): Promise<Chat[]>;
  /** The visitor's chats other than `exceptChatId`, newest first, at most `limit`. */
  byVisitor(accountId: string, visitorId: number, exceptChatId: string, limit: number): Promise<Chat[]>;
  /** How many waiting chats ring at this agent now (polled by every agent every few seconds). */
  countRinging(accountId: string, userId: number): Promise<number>;
  /**
   * The waiting chats ringing at this agent, oldest in the queue first (the order of `queue`, so
   * the first is the one accept takes), with only what an agent's ring shows of them and whether
   * it is a transfer to this agent.
   */
  listRinging(
    accountId: string,
    userId: number,
  ): Promise<Pick<Chat, 'id' | 'skillName' | 'visitorName' | 'queuedAt' | 'startTime' | 'targetUserId'>[]>;
  /** Waiting chats whose ring has timed out, oldest first. */
  ringsDue(now: number, limit: number): Promise<Chat[]>;
  /** Accounts that have waiting chats ringing nobody: the router's safety net. */
  accountsWithUnroutedChats(): Promise<string[]>;
  /** How many chats of the skill (any skill: null) an agent held ended since `since` (slots freed). */
  countReleased(accountId: string, skillId: number | null, since: number): Promise<number>;
}

export interface AgentSessionRepository {
  save(session: AgentSession): Promise<void>;
  /**
   * Records a request on a live session (its idle deadline) in one statement that touches nothing
   * else, so a poll never writes back an availability or an end it read earlier; undefined when
   * the session is unknown or has ended.
   */
  touch(accountId: string, id: string, now: number, idleDueAt: number): Promise<AgentSession | undefined>;
  /**
   * Records requests on live sessions, all in one statement, never moving a time back: the last
   * request and the idle deadline become the later of the stored and the given one. Touches
   * written late, in any order or twice are harmless; ended sessions are left as they are.
   */
  touchMany(touches: readonly SessionTouch[]): Promise<void>;
  /**
   * Sets a live session's availability, since when, its reason (null for none) and what it was
   * before an automatic Away (null, the default, when the change is not one) alone; undefined when
   * it has ended.
   */
  setAvailability(
    accountId: string,
    id: string,
    availability: AgentSession['availability'],
    since: number,
    reasonId: string | null,
    autoAway?: AgentSession['autoAway'],
  ): Promise<AgentSession | undefined>;
  /**
   * Sets a live session's detached mark and presence due time alone (null, null: attached);
   * undefined when it has ended.
   */
  setDetached(
    accountId: string,
    id: string,
    detachedAt: number | null,
    dueAt: number | null,
  ): Promise<AgentSession | undefined>;
  /** Live sessions whose presence due time has come (detached past their grace or end limit). */
  duePresence(now: number, limit: number): Promise<AgentSession[]>;
  /** Sets or clears (null) a live session's automatic listening alone; undefined when it has ended. */
  setAutoListen(accountId: string, id: string, scope: SkillScope | null): Promise<AgentSession | undefined>;
  /** Live sessions whose login session no longer exists (logged out, expired, evicted). */
  orphaned(limit: number): Promise<AgentSession[]>;
  get(accountId: string, id: string): Promise<AgentSession | undefined>;
  /** Sessions not ended, any availability. */
  listLive(accountId: string): Promise<AgentSession[]>;
  /** Live sessions created with this login session's bearer. */
  listLiveByLoginSession(loginSessionId: string): Promise<AgentSession[]>;
  /** Live sessions idle past their due time. */
  dueIdle(now: number, limit: number): Promise<AgentSession[]>;
}

export interface VisitorIdentityRepository {
  save(accountId: string, participantId: string, claims: Record<string, unknown>, now: number): Promise<void>;
  get(accountId: string, participantId: string): Promise<Record<string, unknown> | undefined>;
}

/**
 * OAuth 1.0 nonces seen within the timestamp window (platform §5.3.4). Kept in the store, not in
 * memory, so that a replay is refused after a restart and by every node sharing the database.
 */
export interface NonceRepository {
  /**
   * Records the nonce of `scope` (the signing key) until `expiresAt`, atomically; false when it is
   * recorded already and has not expired at `now` (a replay).
   */
  remember(scope: string, nonceDigest: string, now: number, expiresAt: number): Promise<boolean>;
  /** Forgets the nonces expired at `now`; returns how many. */
  deleteExpired(now: number): Promise<number>;
}

/**
 * The first answer to a request that carried an Idempotency-Key (docs/adr/0009-idempotency-keys.md),
 * recorded in the transaction of the change it made, so that a retry finds it even when that answer
 * never reached the client.
 */
export interface IdempotencyRecord {
  accountId: string;
  /** Whose keys these are (one chat's visitor, one chat's agent, one app key's chat requests). */
  scope: string;
  key: string;
  /** A digest of the operation and its input: the same key on another request is refused. */
  fingerprint: string;
  /** The answer as the use case serialised it. */
  result: string;
  createdAt: number;
  expiresAt: number;
}

export interface IdempotencyKeyRepository {
  /** The record of the key, unless it has expired at `now`. */
  get(accountId: string, scope: string, key: string, now: number): Promise<IdempotencyRecord | undefined>;
  /**
   * Records the key (call inside the transaction of the change); false when a record of it that has
   * not expired exists already — a twin request committed first.
   */
  create(record: IdempotencyRecord): Promise<boolean>;
  /** Forgets the keys expired at `now`; returns how many. */
  deleteExpired(now: number): Promise<number>;
}

/**
 * Where each user has logged in successfully, by a digest of the address group
 * (docs/adr/0008-login-throttling.md): such a source is exempt from the ceiling on failed logins
 * per user name. Kept in the store, so that a restart and every node sharing it know the same.
 */
export interface KnownLoginSourceRepository {
  /** Records a successful login of the user from the source at `at`; a later time is kept. */
  recordSuccess(accountId: string, userId: number, sourceDigest: string, at: number): Promise<void>;
  /** When the user last logged in from the source, or undefined when it never did (or was swept). */
  lastSuccess(accountId: string, userId: number, sourceDigest: string): Promise<number | undefined>;
  /** Forgets the sources whose last success is before `before`; returns how many. */
  deleteOlderThan(before: number): Promise<number>;
}

/** A server sharing the database with others (docs/adr/0010-several-nodes.md). */
export interface NodeRecord {
  /** Random, new at every start. */
  id: string;
  /** The machine's host name. */
  host: string;
  /** Where it listens (`host:port` as configured). */
  address: string;
  /** Its process id on that host (to tell a crashed process there from a live one). */
  pid: number;
  startedAt: number;
  /** Renewed every few seconds: a node whose heartbeat is too old is taken for dead. */
  heartbeatAt: number;
  /** Whether it shares a Redis with the others (PARLEY_REDIS_URL). */
  usesRedis: boolean;
  /** Shutting down: it takes no new work, and its connections do not count as agents leaving. */
  isDraining: boolean;
}

/** A connection-bound agent session one node holds connections of (agent-presence.ts). */
export interface HeldConnection {
  nodeId: string;
  accountId: string;
  sessionId: string;
}

/**
 * The registry of nodes sharing the database, and which connection-bound agent sessions each
 * holds connections of, so that a session is detached only when no node holds one.
 */
export interface NodeRepository {
  /**
   * Inside a transaction: waits until no other transaction holds the registry's lock and holds it
   * until commit, so that two nodes starting together see each other.
   */
  lock(): Promise<void>;
  list(): Promise<NodeRecord[]>;
  /** Creates the node's row or replaces it. */
  save(node: NodeRecord): Promise<void>;
  /** Renews the heartbeat; false when the row is gone (another node took it for dead). */
  heartbeat(id: string, at: number): Promise<boolean>;
  setDraining(id: string): Promise<void>;
  /** Deletes the node's row (its connections are removed apart, see `removeConnectionsOf`). */
  delete(id: string): Promise<void>;
  /** Records that the node holds connections of the session (nothing when it is recorded). */
  addConnection(connection: HeldConnection): Promise<void>;
  removeConnection(connection: HeldConnection): Promise<void>;
  /** How many nodes hold connections of the session. */
  countConnections(accountId: string, sessionId: string): Promise<number>;
  /**
   * Deletes and returns the connections of every node but `keep` that has no heartbeat since
   * `liveSince`: dead, deregistered, or never registered (one statement, so a node registering
   * meanwhile keeps its own).
   */
  removeConnectionsOfDead(liveSince: number, keep: string): Promise<HeldConnection[]>;
  /** Deletes and returns the node's connections. */
  removeConnectionsOf(nodeId: string): Promise<HeldConnection[]>;
}

/**
 * Named leases: one node at a time holds each (the timers' turn), until it lets it expire or its
 * heartbeat goes stale.
 */
export interface LeaseRepository {
  /**
   * Takes or renews the lease `name` for `holder` until `expiresAt`, in one conditional statement:
   * only when it is free, held by `holder`, expired at `now`, or held by a node with no heartbeat
   * since `liveSince`. True when `holder` holds it now.
   */
  take(name: string, holder: string, now: number, expiresAt: number, liveSince: number): Promise<boolean>;
  /** Lets the lease go, if `holder` holds it. */
  release(name: string, holder: string): Promise<void>;
}

export interface OfflineMessageRepository {
  save(message: OfflineMessage): Promise<void>;
  /** Newest first. */
  list(accountId: string, limit: number): Promise<OfflineMessage[]>;
}

/** A message to send by e-mail, both parts rendered by the core. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Sends e-mail (SMTP in production). Rejects when the message could not be handed over. */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

/** What the core announces after a commit; later transports and adapters subscribe. */
export type DomainEvent =
  | {
      type: 'login-session.ended';
      accountId: string;
      userId: number;
      sessionId: string;
      reason: 'logout' | 'expired' | 'evicted' | 'user-disabled';
    }
  | {
      /**
       * A chat changed, as committed: the chat after the change and the events the change appended
       * (consecutive ids up to `chat.nextEventId - 1`; none for a new state or typing flag alone).
       * Waiting readers answer from it without asking the store again.
       */
      type: 'chat.changed';
      chat: Chat;
      events: ChatEvent[];
    }
  | {
      /** An agent session's availability changed (by the agent, or Away after a ring timeout). */
      type: 'agent.availability';
      accountId: string;
      sessionId: string;
      userId: number;
      availability: string;
    };

/** A waiting chat as routing and capacity see it. */
export type QueuedChat = Pick<Chat, 'id' | 'skillId' | 'requestedAgent' | 'ringingUserId' | 'targetUserId'>;

/** Publish/subscribe between parts of the server (in-memory default; Redis for several nodes). */
export interface EventBus {
  /**
   * Delivers `event` to this process's subscribers before it returns, and to other nodes' when
   * there are any. Never throws for the transport: it runs after a commit, which stands.
   */
  publish(event: DomainEvent): void;
  subscribe<T extends BusEvent['type']>(type: T, handler: (event: Extract<BusEvent, { type: T }>) => void): () => void;
  /**
   * Whether the bus reaches the other nodes (`/health`); absent for a bus that has none to reach.
   * While it is 'unreachable' events still reach this process's own subscribers.
   */
  condition?(): 'ok' | 'unreachable';
}

/**
 * What a bus delivers: the domain events, and `bus.resumed`, which a bus delivers to its own
 * subscribers only (it is never published) when it reconnects to the other nodes after a break.
 * Events published elsewhere during the break are lost to this node, so whoever waits on the bus
 * must read again from the store.
 */
export type BusEvent = DomainEvent | { type: 'bus.resumed' };

/**
 * Token-bucket budgets keyed by caller; in memory by default, in Redis when nodes share them.
 * Both methods reject with UNAVAILABLE (503 + Retry-After) when the budgets cannot be reached:
 * a caller that cannot be counted is neither admitted nor refused as over its budget.
 */
export interface RateLimiter {
  /** Takes one token from `key`'s bucket; when empty, says how long until one is back. */
  take(key: string, budget: RateBudget): Promise<{ allowed: true } | { allowed: false; retryAfterMs: number }>;
  /**
   * Gives back one token `take` handed out, up to the burst: what it paid for did not count (a
   * login whose password was right is no failure, docs/adr/0008-login-throttling.md).
   */
  refund(key: string, budget: RateBudget): Promise<void>;
}

export interface RateBudget {
  /** Bucket size: how many requests may come at once. */
  burst: number;
  /** Tokens added per second. */
  perSecond: number;
}

/** One-way hashing of passwords and key secrets. */
export interface PasswordHasher {
  hash(plain: string): Promise<string>;
  verify(plain: string, hash: string): Promise<boolean>;
}

/** Reversible encryption with the deployment key, for secrets the server must use itself. */
export interface SecretBox {
  seal(plain: string): string;
  /** undefined when the value was sealed with another key or is damaged. */
  open(sealed: string): string | undefined;
}
