import type { FastifyInstance } from 'fastify';
import type { Core } from '../core/create-core.js';
import { UNAVAILABLE_RETRY_AFTER_MS } from '../core/errors.js';
import type { BusHealth, StoreHealth } from '../core/health/check-health.js';
import { retryAfterSeconds } from './legacy/respond.js';

/** What `GET /health` answers: `status` is `ok` (200) only when this node should take traffic. */
export interface HealthReport {
  /**
   * `draining` once shutdown has begun; `unavailable` while the store cannot take writes or the
   * Redis the nodes share cannot be reached.
   */
  status: 'ok' | 'draining' | 'unavailable';
  /** Whether this node should take traffic: `status` is `ok`. */
  ready: boolean;
  /** This node's id in the registry of nodes sharing the database. */
  node: string;
  store: StoreHealth;
  /** Only with a Redis (PARLEY_REDIS_URL). */
  redis?: BusHealth;
}

/**
 * `GET /health` for load balancers: 200 when the store answers within 2 s and is not refusing
 * writes and the Redis (if any) is reachable, 503 with Retry-After otherwise or once the server
 * drains (never a hang).
 */
export function registerHealthRoute(app: FastifyInstance, core: Core): void {
  // A load balancer asks every few seconds: its answers are routine (request-log.ts), so a healthy
  // node's log is not one probe line after another; a 503 is still logged at info.
  app.get('/health', { config: { routine: true } }, async (_request, reply) => {
    const report = await healthOf(app, core);
    if (!report.ready) reply.header('Retry-After', retryAfterSeconds(UNAVAILABLE_RETRY_AFTER_MS));
    return reply.code(report.ready ? 200 : 503).send(report);
  });
}

async function healthOf(app: FastifyInstance, core: Core): Promise<HealthReport> {
  const store = await core.health.store();
  const redis = core.health.bus();
  const status = app.closing.isClosing ? 'draining' : store === 'ok' && redis !== 'unreachable' ? 'ok' : 'unavailable';
  return {
    status,
    ready: status === 'ok',
    node: core.health.node,
    store,
    ...(redis === undefined ? {} : { redis }),
  };
}
