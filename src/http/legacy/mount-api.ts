import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ErrorCode } from '../../core/errors.js';
import type { RateBudget, RateLimiter } from '../../core/ports.js';
import { parseOAuthAuthorization } from '../../core/auth/oauth1-signature.js';
import { boundedMemo } from '../../core/bounded-memo.js';
import { digest } from '../../core/tokens.js';
import { answerError, answerNotFound } from './answer-error.js';
import { answerPreflight, applyCors } from './cors.js';
import type { LegacyApi } from './legacy-api.js';
import { queryParam } from './respond.js';
import { reachesResource } from './resource.js';

/** What every API's edge shares: the CORS allow-list and the request budgets (platform §1.6, §6.3). */
export interface EdgeRules {
  allowedOrigins: ReadonlySet<string>;
  rateLimits: { account: RateBudget; credential: RateBudget };
  rateLimiter: RateLimiter;
}

/** One prefix an API answers under, and the routes it registers there (URLs relative to it). */
export interface ApiMount {
  prefix: string;
  routes: (scope: FastifyInstance) => void | Promise<void>;
  /**
   * Finds the caller before each handler under the prefix and leaves it in the API's CallerSlot
   * (caller.ts). Only for a request its resource will serve: a method the resource lacks is
   * answered 405, and a path with no resource 404, before any credential is looked at.
   */
  authenticate?: (request: FastifyRequest) => Promise<void>;
}

/**
 * Registers one legacy API as an encapsulated Fastify plugin (docs/ARCHITECTURE.md, "One plugin
 * per API"): its routes under each prefix carry the API in their config; its hook sets the API's
 * CORS and cache headers and spends its request budget; its error handler, not-found answer and
 * OPTIONS preflight follow its rules; a mount's authentication hook puts the caller on the request.
 */
export async function mountLegacyApi(
  app: FastifyInstance,
  api: LegacyApi,
  edge: EdgeRules,
  mounts: readonly ApiMount[],
): Promise<void> {
  await app.register(async (scope) => {
    scope.addHook('onRoute', (route) => {
      route.config = { ...route.config, api };
    });
    scope.addHook('onRequest', async (request, reply) => {
      applyApiHeaders(request, reply, edge);
      if (request.method !== 'OPTIONS') await takeBudget(request, api, edge);
    });
    // A hook registered outside the API (the drain's refusal) may fail before this API's own hook
    // ran: its answer still carries the API's headers, or a browser could not read it.
    scope.setErrorHandler(async (error: FastifyError | AppError, request, reply) => {
      applyApiHeaders(request, reply, edge);
      return answerError(error, request, reply);
    });
    for (const mount of mounts) {
      await scope.register(
        async (inner) => {
          inner.setNotFoundHandler({ config: { api } } as object, answerNotFound);
          const preflight = async (request: FastifyRequest, reply: FastifyReply) =>
            answerPreflight(request, reply, edge.allowedOrigins);
          inner.options('', preflight);
          inner.options('/*', preflight);
          const { authenticate } = mount;
          if (authenticate !== undefined) {
            inner.addHook('preHandler', async (request) => {
              if (reachesResource(request)) await authenticate(request);
            });
          }
          await mount.routes(inner);
        },
        { prefix: mount.prefix },
      );
    }
  });
}

function applyApiHeaders(request: FastifyRequest, reply: FastifyReply, edge: EdgeRules): void {
  applyCors(request, reply, edge.allowedOrigins);
  reply.header('Cache-Control', 'no-cache, no-store');
}

/**
 * One token from the account's bucket and one from the caller's (429 + Retry-After when empty). A
 * limiter that cannot answer rejects with UNAVAILABLE, answered 503 + Retry-After by the API's
 * error handler: the request is neither admitted uncounted nor refused as over its budget.
 */
async function takeBudget(request: FastifyRequest, api: LegacyApi, edge: EdgeRules): Promise<void> {
  const accountId = request.legacy.accountId;
  if (api.budget === 'none' || accountId === undefined) return;
  // Both at once: over Redis, one round trip instead of two (ioredis sends them together). A token
  // is taken from each bucket whether or not the other refuses, as a refused request is a request.
  const decisions = await Promise.all([
    edge.rateLimiter.take(`account:${accountId}`, edge.rateLimits.account),
    edge.rateLimiter.take(
      `credential:${accountId}:${credentialDigest(credentialOf(request, api))}`,
      edge.rateLimits.credential,
    ),
  ]);
  const waits = decisions.flatMap((decision) => (decision.allowed ? [] : [decision.retryAfterMs]));
  // Not before both buckets have a token again.
  if (waits.length > 0)
    throw new AppError(ErrorCode.RATE_LIMITED, 'Too many requests', { retryAfterMs: Math.max(...waits) });
}

/**
 * Who spends a credential's budget: a visitor's address, or the caller's bearer, OAuth 1.0 key and
 * token (not the whole header, whose nonce and signature change with every request: each request
 * would have a budget of its own), app key, or address.
 */
function credentialOf(request: FastifyRequest, api: LegacyApi): string {
  if (api.budget === 'by-visitor-address') return `visitor:${request.ip}`;
  const authorization = request.headers.authorization;
  if (authorization === undefined) return queryParam(request, 'appKey') ?? request.ip;
  const oauth = parseOAuthAuthorization(authorization);
  return oauth === undefined ? authorization : `oauth:${oauth.oauth_consumer_key ?? ''}:${oauth.oauth_token ?? ''}`;
}

/**
 * The credential's digest (budgets are keyed by it, so that no secret is a Redis key), remembered
 * for up to 10,000 credentials: a caller sends the same one request after request, and the hash
 * was a twentieth of a quiet poll's time.
 */
const credentialDigest = boundedMemo(10_000, digest);
