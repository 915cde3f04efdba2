import type { FastifyInstance } from 'fastify';
import type { Core } from '../core/create-core.js';
import { UNAVAILABLE_RETRY_AFTER_MS } from '../core/errors.js';
import type { StoreHealth } from '../core/health/check-health.js';
import { retryAfterSeconds } from './legacy/respond.js';

/** What `GET /health` answers: `status` is `ok` (200) only when this node should take traffic. */
export interface HealthReport {
  /** `draining` once shutdown has begun; `unavailable` while the store cannot take writes. */
  status: 'ok' | 'draining' | 'unavailable';
  store: StoreHealth;
}

/**
 * `GET /health` for load balancers: 200 when the store answers within 2 s and is not refusing
 * writes, 503 otherwise or once the server drains (never a hang).
 */
export function registerHealthRoute(app: FastifyInstance, core: Core): void {
  app.get('/health', async (_request, reply) => {
    const report = await healthOf(app, core);
    if (report.status !== 'ok') reply.header('Retry-After', retryAfterSeconds(UNAVAILABLE_RETRY_AFTER_MS));
    return reply.code(report.status === 'ok' ? 200 : 503).send(report);
  });
}

async function healthOf(app: FastifyInstance, core: Core): Promise<HealthReport> {
  const store = await core.health.store();
  if (app.closing.isClosing) return { status: 'draining', store };
  return { status: store === 'ok' ? 'ok' : 'unavailable', store };
}
