import { createAdministration } from './accounts/administration.js';
import { createLogin } from './auth/login.js';
import { createLoginSessions } from './auth/login-sessions.js';
import { createOAuth1Verifier } from './auth/verify-oauth1.js';
import { createServiceResolver } from './domain/resolve-services.js';
import type {
  Clock,
  EventBus,
  NonceCache,
  PasswordHasher,
  Random,
  RateBudget,
  RateLimiter,
  SecretBox,
  Store,
} from './ports.js';
import { createSeedApplier } from './seed/apply-seed.js';

export interface CoreDeps {
  store: Store;
  clock: Clock;
  random: Random;
  bus: EventBus;
  hasher: PasswordHasher;
  secrets: SecretBox;
  rateLimiter: RateLimiter;
  nonces: NonceCache;
  /** Login attempts per account and user name; default 10 at once, then one every 3 s. */
  loginBudget?: RateBudget;
}

/** The domain core: every use case, wired over the ports it is given. */
export function createCore(deps: CoreDeps) {
  const sessions = createLoginSessions(deps);
  return {
    deps,
    sessions,
    login: createLogin({ ...deps, sessions, loginBudget: deps.loginBudget ?? { burst: 10, perSecond: 1 / 3 } }),
    oauth1: createOAuth1Verifier(deps),
    services: createServiceResolver(deps.store),
    seeds: createSeedApplier({ ...deps, sessions }),
    administration: createAdministration({ ...deps, sessions }),
  };
}

export type Core = ReturnType<typeof createCore>;
