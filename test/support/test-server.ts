import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { ManualClock } from '../../src/core/clock.js';
import type { Core } from '../../src/core/create-core.js';
import { requireAccount } from '../../src/core/accounts/require-account.js';
import { createChatWriter } from '../../src/core/chats/chat-writer.js';
import { acceptedChange } from '../../src/core/chats/chat-events.js';
import { ChatState } from '../../src/core/chats/chat-model.js';
import type { RateBudget } from '../../src/core/ports.js';
import type { LoginBudgets } from '../../src/core/auth/login-throttle.js';
import type { DatabaseLocation } from '../../src/store/open-store.js';
import { parseSeed } from '../../src/core/seed/parse-seed.js';
import { buildApp, type HttpConfig } from '../../src/http/app.js';
import type { EdgeRules } from '../../src/http/legacy/mount-api.js';
import { openStore } from '../../src/store/open-store.js';
import type { PostgresTimeouts } from '../../src/store/open-postgres.js';
import type { KyselyStore } from '../../src/store/kysely-store.js';
import { TEST_POSTGRES_TIMEOUTS, type DatabaseTarget } from './databases.js';
import { createTestCore, type TestCore, type TestCoreOptions } from './test-core.js';

export interface TestServer {
  app: FastifyInstance;
  /** The database this server uses, to start another server on it (a restart). */
  location: DatabaseLocation;
  /** `http://127.0.0.1:<port>` of the real listening server. */
  baseUrl: string;
  core: TestCore;
  store: KyselyStore;
  clock: ManualClock;
  close(): Promise<void>;
}

/** Besides the core's options: the database, the HTTP layer and what tests observe. */
export interface TestServerOptions extends TestCoreOptions {
  http?: Partial<HttpConfig>;
  /** Failed logins tolerated (each budget generous unless given). */
  loginBudgets?: Partial<LoginBudgets>;
  /** Reuse this database instead of a fresh one (a restart); it is not dropped on close. */
  database?: DatabaseLocation;
  /** Listen on this port (default: any free one); a restart on the same address reuses it. */
  port?: number;
  /** Start the clock here (a restarted server continues another's time). */
  startTime?: number;
  /** Serve HTTPS with this certificate (test/fixtures/tls): baseUrl is then https://. */
  https?: { cert: Buffer; key: Buffer };
  /** Called with every SQL statement the store runs. */
  onQuery?: (sql: string) => void;
  /** PostgreSQL deadlines (default TEST_POSTGRES_TIMEOUTS, longer than production's). */
  postgresTimeouts?: PostgresTimeouts;
  /** The request log (none by default). */
  logger?: FastifyServerOptions['logger'];
  /**
   * Extra routes registered before the server listens (to exercise transport plugins); an API's
   * rules (`edge`) let them be mounted as part of one (mountLegacyApi).
   */
  routes?: (app: FastifyInstance, core: Core, edge: EdgeRules) => unknown;
}

const generous: RateBudget = { burst: 100_000, perSecond: 100_000 };

/** A Parley app over a fresh database of `target`, with a manual clock; served by app.inject(). */
export async function startTestServer(target: DatabaseTarget, options: TestServerOptions = {}): Promise<TestServer> {
  const database =
    options.database === undefined
      ? await target.create()
      : { location: options.database, drop: async () => undefined };
  // Few connections per test server: suites run side by side against one PostgreSQL.
  const opened = openStore(database.location, {
    poolSize: 4,
    ...(options.onQuery === undefined ? {} : { onQuery: options.onQuery }),
    postgresTimeouts: options.postgresTimeouts ?? TEST_POSTGRES_TIMEOUTS,
  });
  await opened.migrate();
  const clock = new ManualClock(options.startTime ?? Date.UTC(2026, 10, 21, 9, 30, 0));
  const core = createTestCore(opened.store, clock, {
    // As the runtime wires it: one SQLite node hears of every change (docs/adr/0013).
    hearsEveryChange: database.location.kind === 'sqlite' && options.bus === undefined,
    ...options,
    loginBudgets: { userAtAddress: generous, address: generous, user: generous, ...options.loginBudgets },
  });
  const app = await buildApp({
    core,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.https === undefined ? {} : { https: options.https }),
    http: {
      publicHost: undefined,
      fallbackAuthority: '127.0.0.1:8080',
      isTls: options.https !== undefined,
      corsOrigins: [],
      rateLimits: { account: generous, credential: generous },
      bodyLimitBytes: 65_536,
      trustProxy: false,
      ...options.http,
    },
    ...(options.routes === undefined
      ? {}
      : { extend: async (app, edge) => void (await options.routes?.(app, core, edge)) }),
  });
  await app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    app,
    location: database.location,
    baseUrl: `${options.https === undefined ? 'http' : 'https'}://127.0.0.1:${port}`,
    core,
    store: opened.store,
    clock,
    close: async () => {
      await app.close();
      await opened.store.close();
      await database.drop();
    },
  };
}

/**
 * Runs `work` with servers started one after another on one database of `target` (restarts): each
 * `start` serves that database with one secret key (unless `options` give another). A server
 * `work` leaves open is closed, and the database dropped, once `work` ends, however it ends.
 */
export async function withRestarts(
  target: DatabaseTarget,
  work: (start: (options?: TestServerOptions) => Promise<TestServer>) => Promise<void>,
): Promise<void> {
  const database = await target.create();
  const secretKey = randomBytes(32);
  const open = new Set<TestServer>();
  try {
    await work(async (options = {}) => {
      const started = await startTestServer(target, { secretKey, ...options, database: database.location });
      const server: TestServer = {
        ...started,
        close: async () => {
          open.delete(server);
          await started.close();
        },
      };
      open.add(server);
      return server;
    });
  } finally {
    for (const server of [...open]) await server.close();
    await database.drop();
  }
}

/** A fresh account id, so tests never share data. */
export const newAccountId = (): string => String(10_000_000 + Math.floor(Math.random() * 89_999_999));

export const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

/** A seed with one account: two skills, an agent with a password and a bot with an API key. */
export function accountSeed(accountId = newAccountId()) {
  const key = { appKey: hex(16), secret: 'bot-secret', accessToken: hex(16), accessTokenSecret: 'bot-token-secret' };
  const seed = {
    accounts: [
      {
        id: accountId,
        name: `Account ${accountId}`,
        appKeys: [hex(16)],
        skills: [
          { id: 1001, name: 'Sales' },
          { id: 1002, name: 'Support' },
        ],
        users: [
          {
            id: 2001,
            loginName: 'alice',
            password: 'alice-pass',
            nickname: 'Alice',
            fullName: 'Alice Doe',
            email: 'alice@example.com',
            skills: ['Sales'],
            maxChats: 3,
            role: 'agent',
          },
          {
            id: 2002,
            loginName: 'boss',
            password: 'boss-pass',
            nickname: 'Boss',
            role: 'admin',
            skills: ['Support'],
            maxChats: 1,
          },
          {
            id: 2003,
            loginName: 'echo-bot',
            nickname: 'EchoBot',
            skills: ['Sales', 'Support'],
            maxChats: -1,
            apiKeys: [key],
          },
        ],
      },
    ],
  };
  return { accountId, key, seed };
}

/** Applies a seed object through the real parser and applier. */
export async function applySeed(core: Core, seed: unknown): Promise<void> {
  await core.seeds.apply(parseSeed(JSON.stringify(seed)));
}

/** Marks a user Online through a live agent session, as the Chat Agent API will (routing reads this). */
export async function putAgentOnline(
  server: TestServer,
  accountId: string,
  userId: number,
  availability: 'Online' | 'Away' = 'Online',
) {
  const now = server.clock.now();
  const id = String(100_000 + userId);
  await server.store.agentSessions.save({
    accountId,
    id,
    userId,
    loginSessionId: null,
    availability,
    createdAt: now,
    lastRequestAt: now,
    endedAt: null,
    idleDueAt: null,
    availabilitySince: now,
  });
  return id;
}

/**
 * An agent of the seed takes this waiting chat: the change the router's accept makes (`chatting`,
 * then system line 3), but for a chat the test names rather than the one ringing first, through
 * a chat writer on the server's own store and bus so that waiting clients are woken.
 */
export async function acceptAs(server: TestServer, accountId: string, chatId: string, userId: number) {
  const user = await server.store.users.get(accountId, userId);
  if (user === undefined) throw new Error(`no user ${userId}`);
  const account = await requireAccount(server.core.deps.store, accountId);
  const name = user.nickname || user.loginName;
  // The change accept makes (router.ts), for a chat no session took: no ring needed first.
  await createChatWriter(server.core.deps).change(accountId, chatId, (chat, now) => {
    if (chat.state !== ChatState.WAITING) throw new Error(`chat ${chatId} is ${chat.state}, not waiting`);
    return acceptedChange(account, chat, { id: user.id, name }, null, now);
  });
  return user;
}
