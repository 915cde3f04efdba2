/**
 * The ports the core is built over. Adapters live outside src/core (store/, bus/, security/);
 * every adapter of a port passes that port's contract tests.
 */
import type { Account, ApiKey, LoginSession, Skill, User } from './model.js';

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
  /** Runs `work` in one transaction: all its writes commit together or none do. */
  transaction<T>(work: (tx: Store) => Promise<T>): Promise<T>;
  /** Resolves when the database answers; rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
  accounts: AccountRepository;
  skills: SkillRepository;
  users: UserRepository;
  apiKeys: ApiKeyRepository;
  loginSessions: LoginSessionRepository;
}

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

/** What the core announces after a commit; later transports and adapters subscribe. */
export type DomainEvent = {
  type: 'login-session.ended';
  accountId: string;
  userId: number;
  sessionId: string;
  reason: 'logout' | 'expired' | 'evicted' | 'user-disabled';
};

/** Publish/subscribe between parts of the server (in-memory default; Redis for several nodes). */
export interface EventBus {
  publish(event: DomainEvent): void;
  subscribe<T extends DomainEvent['type']>(
    type: T,
    handler: (event: Extract<DomainEvent, { type: T }>) => void,
  ): () => void;
}

/** Token-bucket budgets keyed by caller; kept in memory by default. */
export interface RateLimiter {
  /** Takes one token from `key`'s bucket; when empty, says how long until one is back. */
  take(key: string, budget: RateBudget): { allowed: true } | { allowed: false; retryAfterMs: number };
}

export interface RateBudget {
  /** Bucket size: how many requests may come at once. */
  burst: number;
  /** Tokens added per second. */
  perSecond: number;
}

/** Remembers OAuth 1.0 nonces for the timestamp window (platform §5.3.4). */
export interface NonceCache {
  /** Records the nonce; false when it was already seen within `ttlMs`. */
  remember(scope: string, nonce: string, ttlMs: number): boolean;
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
