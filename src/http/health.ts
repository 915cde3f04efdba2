import type { FastifyInstance } from 'fastify';
import type { Core } from '../core/create-core.js';

const PING_TIMEOUT_MS = 2_000;

/** `GET /health`: 200 when the store answers within 2 s, 503 otherwise (never a hang). */
export function registerHealthRoute(app: FastifyInstance, core: Core): void {
  app.get('/health', async (_request, reply) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('store ping timed out')), PING_TIMEOUT_MS);
    });
    try {
      await Promise.race([core.deps.store.ping(), timeout]);
      return reply.code(200).send({ status: 'ok', store: 'ok' });
    } catch {
      return reply.code(503).send({ status: 'unavailable', store: 'unreachable' });
    } finally {
      clearTimeout(timer);
    }
  });
}
