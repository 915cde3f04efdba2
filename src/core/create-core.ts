import { createAdministration } from './accounts/administration.js';
import { createLogin } from './auth/login.js';
import { createLoginSessions } from './auth/login-sessions.js';
import { createOAuth1Verifier } from './auth/verify-oauth1.js';
import { createServiceResolver } from './domain/resolve-services.js';
import type {
  Clock,
  EventBus,
  Mailer,
  NonceCache,
  PasswordHasher,
  Random,
  RateBudget,
  RateLimiter,
  SecretBox,
  Store,
} from './ports.js';
import { createSeedApplier } from './seed/apply-seed.js';
import { createAgentChatActions } from './chats/agent-chat-actions.js';
import { createCapacity } from './chats/capacity.js';
import { createChatTimers } from './chats/chat-timers.js';
import { createChatWriter } from './chats/chat-writer.js';
import { createSendTranscript } from './chats/send-transcript.js';
import { createStartChat } from './chats/start-chat.js';
import { createVisitorAuthentication } from './chats/visitor-authentication.js';
import { createVisitorChat } from './chats/visitor-chat.js';
import { createVisitorSurveys } from './chats/visitor-surveys.js';

export interface CoreDeps {
  store: Store;
  clock: Clock;
  random: Random;
  bus: EventBus;
  hasher: PasswordHasher;
  secrets: SecretBox;
  rateLimiter: RateLimiter;
  nonces: NonceCache;
  /** Sends transcripts; without it transcript requests answer 404 / 42. */
  mailer?: Mailer;
  /** Login attempts per account and user name; default 10 at once, then one every 3 s. */
  loginBudget?: RateBudget;
}

/** The domain core: every use case, wired over the ports it is given. */
export function createCore(deps: CoreDeps) {
  const sessions = createLoginSessions(deps);
  const writer = createChatWriter(deps);
  const capacity = createCapacity(deps);
  const visitorChat = createVisitorChat({ ...deps, writer });
  const visitorAuthentication = createVisitorAuthentication(deps);
  return {
    deps,
    sessions,
    login: createLogin({ ...deps, sessions, loginBudget: deps.loginBudget ?? { burst: 10, perSecond: 1 / 3 } }),
    oauth1: createOAuth1Verifier(deps),
    services: createServiceResolver(deps.store),
    seeds: createSeedApplier({ ...deps, sessions }),
    administration: createAdministration({ ...deps, sessions }),
    chats: {
      capacity,
      visitor: visitorChat,
      start: createStartChat({ ...deps, capacity, writer, visitorAuthentication }),
      surveys: createVisitorSurveys({ ...deps, writer, visitorChat }),
      transcripts: createSendTranscript({ store: deps.store, visitorChat, mailer: deps.mailer }),
      visitorAuthentication,
      timers: createChatTimers({ ...deps, writer }),
      agentActions: createAgentChatActions({ store: deps.store, writer }),
    },
  };
}

export type Core = ReturnType<typeof createCore>;
