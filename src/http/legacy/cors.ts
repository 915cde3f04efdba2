import type { FastifyReply, FastifyRequest } from 'fastify';
import { RouteFamily } from './route-family.js';

const MINIMUM_ALLOWED_HEADERS = [
  'Authorization',
  'Content-Type',
  'Accept',
  'X-HTTP-Method-Override',
  'X-Requested-With',
  'If-Match',
];

/**
 * The shared CORS table (platform §1.6): the Domain API answers any origin with `*`; the Server
 * Chat API reflects any origin without credentials; the Login Service, Chat Agent API and account
 * configuration reflect only allow-listed origins, with credentials (the session cookie travels).
 */
export function applyCors(request: FastifyRequest, reply: FastifyReply, allowedOrigins: ReadonlySet<string>): void {
  const origin = request.headers.origin;
  const family = request.legacy.family;
  if (family === RouteFamily.OTHER) return;
  if (family === RouteFamily.DOMAIN) {
    reply.header('Access-Control-Allow-Origin', '*');
  } else if (origin === undefined) {
    return;
  } else if (family === RouteFamily.VISITOR) {
    reply.header('Access-Control-Allow-Origin', origin).header('Vary', 'Origin');
  } else if (allowedOrigins.has(origin)) {
    reply
      .header('Access-Control-Allow-Origin', origin)
      .header('Vary', 'Origin')
      .header('Access-Control-Allow-Credentials', 'true');
  } else {
    return;
  }
  reply.header('Access-Control-Expose-Headers', 'Location, ETag, ac-revision, Retry-After');
}

/** Answers an OPTIONS preflight: 204, no authentication, the CORS headers of the route's family. */
export function answerPreflight(request: FastifyRequest, reply: FastifyReply, allowedOrigins: ReadonlySet<string>) {
  applyCors(request, reply, allowedOrigins);
  if (reply.hasHeader('Access-Control-Allow-Origin')) {
    const requested = (request.headers['access-control-request-headers'] ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter((name) => /^[A-Za-z0-9-]+$/.test(name));
    const known = new Set(MINIMUM_ALLOWED_HEADERS.map((name) => name.toLowerCase()));
    const allowHeaders = [...MINIMUM_ALLOWED_HEADERS, ...requested.filter((name) => !known.has(name.toLowerCase()))];
    reply
      .header('Access-Control-Allow-Methods', 'GET, POST, PUT, DELETE, OPTIONS')
      .header('Access-Control-Allow-Headers', allowHeaders.join(', '))
      .header('Access-Control-Max-Age', '600');
  }
  return reply.code(204).send();
}
