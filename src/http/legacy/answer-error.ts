import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isAppError, UNAVAILABLE_RETRY_AFTER_MS, type AppError } from '../../core/errors.js';
import { mappingFor } from './error-table.js';
import { retryAfterSeconds, sendError, sendLegacy } from './respond.js';

/**
 * The error handler of every API (and of paths outside them): a core error as the request's API
 * maps it (error-table.ts), a framework error as the envelope with its 4xx, anything else 500.
 */
export async function answerError(error: FastifyError | AppError, request: FastifyRequest, reply: FastifyReply) {
  if (isAppError(error)) {
    const mapping = mappingFor(error.code, request.legacy.api);
    if (mapping.kind === 'document') return sendLegacy(reply, mapping.status, mapping.document(error.message));
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
    if (retryAfterMs !== undefined) reply.header('Retry-After', retryAfterSeconds(retryAfterMs));
    return sendError(reply, mapping.status, mapping.internalCode, error.message);
  }
  const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
  if (status === 413) return sendError(reply, 413, 40, 'The request body is too large');
  if (status >= 400 && status < 500) return sendError(reply, status, 40, 'The request is malformed');
  request.log.error({ err: error, reqId: request.id }, 'unhandled error');
  return sendError(reply, 500, 99, 'Internal server error');
}

/** Any path of an API (or outside them) that names no resource: 404 / 42 in that API's envelope. */
export const answerNotFound = async (_request: FastifyRequest, reply: FastifyReply) =>
  sendError(reply, 404, 42, 'No such resource');
