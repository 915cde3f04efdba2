import { randomBytes } from 'node:crypto';
import type { LoginBudgets } from '../../src/core/auth/login-throttle.js';
import type { ManualClock } from '../../src/core/clock.js';
import { createCore, type Core, type CoreDeps } from '../../src/core/create-core.js';
import type { EventBus, Mailer, PasswordHasher, RateLimiter, Store } from '../../src/core/ports.js';
import { createMemoryEventBus } from '../../src/memory/memory-event-bus.js';
import { createMemoryRateLimiter } from '../../src/memory/memory-rate-limiter.js';
import { secureRandom } from '../../src/runtime.js';
import { createAesSecretBox } from '../../src/security/aes-secret-box.js';
import { sanitizeAgentHtml } from '../../src/security/html-sanitizer.js';
import { createScryptHasher } from '../../src/security/scrypt-hasher.js';
import { createCachedStore } from '../../src/store/cached-store.js';

/** Cheap scrypt for tests: the production cost would make every login take ~100 ms. */
export const TEST_SCRYPT_COST = { N: 1024, r: 8, p: 1 };

export interface TestCoreOptions {
  /** Failed logins tolerated (the core's production budgets unless given). */
  loginBudgets?: Partial<LoginBudgets>;
  /** Buckets each rate limiter keeps (default the production 100,000). */
  rateLimiterCapacity?: number;
  /** Wraps the cheap test hasher (to bound it, or to hold hashes back). */
  hasher?: (cheap: PasswordHasher) => PasswordHasher;
  /** The secret box's key (a random one unless given). */
  secretKey?: Uint8Array;
  mailer?: Mailer;
  /** The bus and the limiters (the in-memory ones unless given): Redis, or a bus a test drives. */
  bus?: EventBus;
  rateLimiter?: RateLimiter;
  loginLimiter?: RateLimiter;
  /** See CoreDeps.hearsEveryChange (false unless given). */
  hearsEveryChange?: boolean;
}

/** A core with the adapters it runs over, for tests that observe or use them directly. */
export type TestCore = Core & { deps: CoreDeps };

/** The core over `store` as the server wires it, with in-memory bus and limiters, a cheap hasher and `clock`. */
export function createTestCore(store: Store, clock: ManualClock, options: TestCoreOptions = {}): TestCore {
  const deps: CoreDeps = {
    store: createCachedStore(store),
    clock,
    random: secureRandom,
    bus: options.bus ?? createMemoryEventBus(),
    hearsEveryChange: options.hearsEveryChange === true,
    hasher: (options.hasher ?? ((cheap) => cheap))(createScryptHasher(TEST_SCRYPT_COST)),
    secrets: createAesSecretBox(options.secretKey ?? randomBytes(32)),
    rateLimiter: options.rateLimiter ?? createMemoryRateLimiter(clock, options.rateLimiterCapacity),
    loginLimiter: options.loginLimiter ?? createMemoryRateLimiter(clock, options.rateLimiterCapacity),
    sanitizeHtml: sanitizeAgentHtml,
    ...(options.loginBudgets === undefined ? {} : { loginBudgets: options.loginBudgets }),
    ...(options.mailer === undefined ? {} : { mailer: options.mailer }),
  };
  return { ...createCore(deps), deps };
}
