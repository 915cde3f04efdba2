import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import cookie from '@fastify/cookie';
import type { Core } from '../core/create-core.js';
import { ChatError, ErrorCode, isChatError, UNAVAILABLE_RETRY_AFTER_MS } from '../core/errors.js';
import type { RateBudget } from '../core/ports.js';
import { digest } from '../core/tokens.js';
import { parseLegacyBody } from './legacy/body-parser.js';
import { answerPreflight, applyCors } from './legacy/cors.js';
import { mappingFor } from './legacy/error-table.js';
import { parseLenientQuery, stripFormatSuffix } from './legacy/lenient-query.js';
import {
  legacyContextOf,
  queryParam,
  rememberSuffixFormat,
  retryAfterSeconds,
  sendError,
  type LegacyContext,
} from './legacy/respond.js';
import { RouteFamily } from './legacy/route-family.js';
import { publicScheme, type PublicOriginConfig } from './public-origin.js';
import { ServerClosing } from './realtime/server-closing.js';
import { answerClientError, DEFAULT_REQUEST_TIMEOUT_MS } from './client-error.js';
import { fastifyTrustProxy, type TrustProxy } from './trust-proxy.js';
import { registerDrain } from './drain.js';
import { OneLinePerRequest } from './request-log.js';
import { registerDomainRoutes } from './domain/domain-routes.js';
import { registerLoginRoutes } from './login/login-routes.js';
import { registerHealthRoute } from './health.js';
import { registerVisitorAccountRoutes } from './visitor-api/account-routes.js';
import { registerVisitorChatRoutes } from './visitor-api/chat-routes.js';
import { registerAgentSessionRoutes } from './agent-api/session-routes.js';
import { registerAgentChatRoutes } from './agent-api/chat-routes.js';
import { registerWebApps } from './web/web-routes.js';

export interface HttpConfig extends PublicOriginConfig {
  /** Origins allowed to call the agent-side APIs from a browser (platform §1.6). */
  corsOrigins: readonly string[];
  /** Request budgets per account and per credential (platform §6.3 item 3). */
  rateLimits: { account: RateBudget; credential: RateBudget };
  bodyLimitBytes: number;
  /** Whose X-Forwarded-* headers to believe: none, the nearest n hops, or these addresses. */
  trustProxy: TrustProxy;
  /** How long a client may take to send a whole request before it is answered 408 (default 30 s). */
  requestTimeoutMs?: number;
  /** Keep-alive comment interval of Server-Sent Events streams (default 15 s). */
  keepAliveMs?: number;
  /** The built web apps (default packages/web/dist). */
  webAppsRoot?: string;
}

export interface AppOptions {
  core: Core;
  http: HttpConfig;
  logger?: FastifyServerOptions['logger'];
  https?: { cert: Buffer; key: Buffer };
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Begins when the server begins to close: long-lived answers (streams, long-polls) end. */
    closing: ServerClosing;
  }
}

const LEGACY_PATH = /^\/(api|csdr)\//;

/**
 * A request (headers and body) must arrive within `requestTimeout`, its headers within 10 s of
 * that; Node checks once a second rather than its default 30 s, so a timeout is not doubled. Only
 * receiving is timed: a long-poll or a stream is a slow response, not a slow request. There is no
 * inactivity timeout, since a long-poll's socket is rightly silent for its whole wait.
 */
const requestTimeouts = (requestTimeout: number) => ({
  requestTimeout,
  server: {
    headersTimeout: Math.min(requestTimeout, 10_000),
    connectionsCheckingInterval: Math.min(requestTimeout, 1_000),
  },
});

/** Builds the HTTP application; never listens (src/server.ts and tests decide how it is served). */
export async function buildApp({ core, http, logger = false, https }: AppOptions): Promise<FastifyInstance> {
  const allowedOrigins = new Set(http.corsOrigins);
  const timeouts = requestTimeouts(http.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
  const app = Fastify({
    logger,
    logController: new OneLinePerRequest(),
    ...(https ? { https: { ...https, ...timeouts.server } } : { http: timeouts.server }),
    requestTimeout: timeouts.requestTimeout,
    clientErrorHandler: answerClientError,
    trustProxy: fastifyTrustProxy(http.trustProxy),
    bodyLimit: http.bodyLimitBytes,
    // drain.ts refuses requests during a drain itself: with the envelope, Retry-After, and /health
    // still answering `draining` (docs/adr/0006-graceful-drain.md).
    return503OnClosing: false,
    // Format suffixes and doubled slashes are part of the legacy URL grammar (Chat Agent API §1.2–1.3).
    rewriteUrl: (raw) => {
      const url = raw.url ?? '/';
      const queryAt = url.indexOf('?');
      const path = queryAt === -1 ? url : url.slice(0, queryAt);
      if (!LEGACY_PATH.test(path.replace(/\/{2,}/g, '/'))) return url;
      const stripped = stripFormatSuffix(path);
      rememberSuffixFormat(raw, stripped.format);
      return queryAt === -1 ? stripped.path : `${stripped.path}${url.slice(queryAt)}`;
    },
    routerOptions: { querystringParser: (query: string) => parseLenientQuery(query) },
  });

  const closing = new ServerClosing();
  app.decorate('closing', closing);
  app.addHook('preClose', async () => closing.begin());

  await app.register(cookie);
  // Decided once per request from its path and headers, on first use (also in hooks and handlers
  // that run before or without a route).
  const contexts = new WeakMap<object, LegacyContext>();
  app.decorateRequest('legacy', {
    getter(this: FastifyRequest): LegacyContext {
      const known = contexts.get(this);
      if (known !== undefined) return known;
      const context = legacyContextOf(this);
      contexts.set(this, context);
      return context;
    },
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
    try {
      done(
        null,
        parseLegacyBody(request.headers['content-type'], typeof body === 'string' ? body : body.toString('utf8')),
      );
    } catch (error) {
      done(error instanceof Error ? error : new Error(String(error)), undefined);
    }
  });

  // Behind a proxy with trust off, every client has the proxy's address and one attacker's failed
  // logins throttle everybody's: said once, so that the operator sets PARLEY_TRUST_PROXY.
  let toldOfUntrustedProxy = false;
  app.addHook('onRequest', async (request, reply) => {
    if (http.trustProxy === false && !toldOfUntrustedProxy && request.headers['x-forwarded-for'] !== undefined) {
      toldOfUntrustedProxy = true;
      request.log.warn(
        'A request came with X-Forwarded-For but PARLEY_TRUST_PROXY is off: behind a proxy, every client ' +
          'is counted as the proxy (login throttling, rate budgets). Set PARLEY_TRUST_PROXY (README, Configuration).',
      );
    }
    // On every answer, streams included (they copy these headers): no type sniffing, and over
    // TLS no plain-HTTP visit for a year (docs/adr/0007-bounded-edge.md).
    reply.header('X-Content-Type-Options', 'nosniff');
    if (publicScheme(request, http) === 'https') reply.header('Strict-Transport-Security', 'max-age=31536000');
    applyCors(request, reply, allowedOrigins);
    if (request.legacy.family !== RouteFamily.OTHER) reply.header('Cache-Control', 'no-cache, no-store');
    if (request.method !== 'OPTIONS') takeBudget(request.legacy.accountId, request);
  });
  registerDrain(app);

  /** One token from the account's bucket and one from the caller's (429 + Retry-After when empty). */
  function takeBudget(accountId: string | undefined, request: FastifyRequest): void {
    if (accountId === undefined) return;
    const limiter = core.deps.rateLimiter;
    // Every visitor of a site shares its public app key, so visitors are told apart by address.
    const credential =
      request.legacy.family === RouteFamily.VISITOR
        ? `visitor:${request.ip}`
        : (request.headers.authorization ?? queryParam(request, 'appKey') ?? request.ip);
    for (const [key, budget] of [
      [`account:${accountId}`, http.rateLimits.account],
      [`credential:${accountId}:${digest(credential)}`, http.rateLimits.credential],
    ] as const) {
      const decision = limiter.take(key, budget);
      if (!decision.allowed) {
        throw new ChatError(ErrorCode.RATE_LIMITED, 'Too many requests', { retryAfterMs: decision.retryAfterMs });
      }
    }
  }

  app.options('/*', async (request, reply) => answerPreflight(request, reply, allowedOrigins));

  app.setErrorHandler(async (error: FastifyError | ChatError, request, reply) => {
    if (isChatError(error)) {
      const mapping = mappingFor(error.code, request.legacy.family);
      if (mapping.kind === 'text') return reply.code(mapping.status).type('text/plain').send(Buffer.from(mapping.body));
      if (mapping.kind === 'oauth') {
        // OAuth 1.0 failures use the problem-reporting form, not the envelope (platform §5.3.6).
        return reply
          .code(401)
          .type('application/x-www-form-urlencoded')
          .send(`oauth_problem=${mapping.problem}&oauth_problem_advice=${mapping.advice}`);
      }
      // The client gets the catalogue's message; the operator needs the cause (a reset, a timeout).
      if (mapping.status >= 500) request.log.warn({ err: error.cause ?? error, reqId: request.id }, error.message);
      // A 503 always says when to come back (platform §6.3: 5xx is retried): the default unless the error knows better.
      const retryAfterMs = error.retryAfterMs ?? (mapping.status === 503 ? UNAVAILABLE_RETRY_AFTER_MS : undefined);
      if (retryAfterMs !== undefined) {
        reply.header('Retry-After', retryAfterSeconds(retryAfterMs));
      }
      return sendError(reply, mapping.status, mapping.internalCode, error.message);
    }
    const status = 'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : 500;
    if (status === 413) return sendError(reply, 413, 40, 'The request body is too large');
    if (status >= 400 && status < 500) return sendError(reply, status, 40, 'The request is malformed');
    request.log.error({ err: error, reqId: request.id }, 'unhandled error');
    return sendError(reply, 500, 99, 'Internal server error');
  });

  app.setNotFoundHandler(async (request, reply) => sendError(reply, 404, 42, 'No such resource'));

  registerHealthRoute(app, core);
  registerDomainRoutes(app, core, http);
  registerLoginRoutes(app, core, http);
  registerVisitorAccountRoutes(app, core, http);
  registerVisitorChatRoutes(app, core, http);
  registerAgentSessionRoutes(app, core, http);
  registerAgentChatRoutes(app, core, http);
  await registerWebApps(app, http.webAppsRoot);
  return app;
}
