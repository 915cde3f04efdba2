import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import cookie from '@fastify/cookie';
import type { Core } from '../core/create-core.js';
import type { RateBudget } from '../core/ports.js';
import { answerError, answerNotFound } from './legacy/answer-error.js';
import { parseLegacyBody } from './legacy/body-parser.js';
import { answerPreflight } from './legacy/cors.js';
import { parseLenientQuery, stripFormatSuffix } from './legacy/lenient-query.js';
import type { EdgeRules } from './legacy/mount-api.js';
import { legacyContextOf, rememberSuffixFormat, type LegacyContext } from './legacy/respond.js';
import { publicScheme, type PublicOriginConfig } from './public-origin.js';
import { ServerClosing } from './realtime/server-closing.js';
import { answerClientError, DEFAULT_REQUEST_TIMEOUT_MS } from './client-error.js';
import { fastifyTrustProxy, type TrustProxy } from './trust-proxy.js';
import { registerDrain } from './drain.js';
import { OneLinePerRequest } from './request-log.js';
import { registerHealthRoute } from './health.js';
import { registerDomainApi } from './domain/plugin.js';
import { registerLoginApi } from './login/plugin.js';
import { registerConfigurationApi } from './configuration/plugin.js';
import { registerServerChatApi } from './visitor-api/plugin.js';
import { registerChatAgentApi } from './agent-api/plugin.js';
import { registerWebApps } from './web/web-routes.js';
import { registerBrowserSdkSupport } from './browser-sdk/plugin.js';
import { redirectUnservedToHttps } from './https-redirect.js';

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
  /** Mounts further resources or APIs with the rules every API shares (tests mount probes this way). */
  extend?: (app: FastifyInstance, edge: EdgeRules) => void | Promise<void>;
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
export async function buildApp({ core, http, logger = false, https, extend }: AppOptions): Promise<FastifyInstance> {
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
  // Decided once per request from the API its route belongs to, on first use (respond.ts).
  app.decorateRequest('legacy', {
    getter(this: FastifyRequest): LegacyContext {
      return legacyContextOf(this);
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
    // Decided now, while routed: a body that never arrives is answered in this API's form (client-error.ts).
    legacyContextOf(request);
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
    // What the store keeps in memory (accounts, callers, agent sessions) is then at least as new
    // as every write committed before this request, by whichever process (cached-store.ts).
    if (request.method !== 'OPTIONS' && LEGACY_PATH.test(request.url)) await core.catchUp();
  });
  registerDrain(app);

  const edge: EdgeRules = {
    allowedOrigins: new Set(http.corsOrigins),
    rateLimits: http.rateLimits,
    rateLimiter: core.requestBudgets,
  };
  // Paths outside every API (web pages, /health, unknown roots): the envelope, no CORS.
  app.setErrorHandler(answerError);
  app.setNotFoundHandler(answerNotFound);
  app.options('/*', async (request, reply) => answerPreflight(request, reply, edge.allowedOrigins));

  // The plain-HTTP listener beside HTTPS: the Domain API, and a redirect for the rest (platform §3.4).
  if (http.httpsPort !== undefined) {
    app.addHook('onRequest', redirectUnservedToHttps(http));
    await registerDomainApi(app, core, http, edge);
    return app;
  }

  // One encapsulated plugin per API, each with its prefixes, rules and error answers
  // (docs/ARCHITECTURE.md, "One plugin per API").
  registerHealthRoute(app, core);
  await registerDomainApi(app, core, http, edge);
  await registerLoginApi(app, core, http, edge);
  await registerConfigurationApi(app, edge);
  await registerServerChatApi(app, core, http, edge);
  await registerChatAgentApi(app, core, http, edge);
  await registerBrowserSdkSupport(app, core, edge);
  await app.register(async (scope) => registerWebApps(scope, http.webAppsRoot));
  await extend?.(app, edge);
  return app;
}
