import type { FastifyInstance } from 'fastify';
import type { Core } from '../core/create-core.js';
import { UNAVAILABLE_RETRY_AFTER_MS } from '../core/errors.js';
import { retryAfterSeconds } from './legacy/respond.js';
import { settlesWithin } from './with-deadline.js';

const PING_TIMEOUT_MS = 2_000;

/** What `GET /health` answers: `status` is `ok` (200) only when this node should take traffic. */
export interface HealthReport {
  /** `draining` once shutdown has begun; `unavailable` while the store cannot take writes. */
  status: 'ok' | 'draining' | 'unavailable';
  store: 'ok' | 'unreachable' | 'disk-full';
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
  const store = await storeHealth(core);
  if (app.closing.isClosing) return { status: 'draining', store };
  return { status: store === 'ok' ? 'ok' : 'unavailable', store };
}

async function storeHealth(core: Core): Promise<HealthReport['store']> {
  try {
    if (!(await settlesWithin(core.deps.store.ping(), PING_TIMEOUT_MS))) return 'unreachable';
  } catch {
    return 'unreachable';
  }
  return core.deps.store.condition() === 'disk-full' ? 'disk-full' : 'ok';
}
