import type { FastifyRequest } from 'fastify';

/**
 * The request's `Idempotency-Key` (IETF httpapi idempotency-key draft; a Parley addition, see
 * docs/LEGACY-QUIRKS.md), handed to the use case as it came: the core checks its shape. A header
 * sent twice arrives joined with ", ", which that check refuses.
 */
export function idempotencyKeyOf(request: FastifyRequest): string | undefined {
  const value = request.headers['idempotency-key'];
  return Array.isArray(value) ? value.join(', ') : value;
}
