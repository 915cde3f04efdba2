import type { FastifyReply, FastifyRequest } from 'fastify';

const MINIMUM_ALLOWED_HEADERS = [
  'Authorization',
  'Content-Type',
  'Accept',
  'X-HTTP-Method-Override',
  'X-Requested-With',
  'If-Match',
];

/** The CORS headers of the request's API (its CorsRule, platform §1.6). */
export function applyCors(request: FastifyRequest, reply: FastifyReply, allowedOrigins: ReadonlySet<string>): void {
  const origin = request.headers.origin;
  const rule = request.legacy.api.cors;
  if (rule === 'none') return;
  if (rule === 'any-origin') {
    reply.header('Access-Control-Allow-Origin', '*');
  } else if (origin === undefined) {
    return;
  } else if (rule === 'reflect-origin') {
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

/** Answers an OPTIONS preflight: 204, no authentication, the CORS headers of the path's API. */
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
