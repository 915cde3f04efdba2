import type { FastifyReply, FastifyRequest } from 'fastify';
import { publicAuthority, type PublicOriginConfig } from './public-origin.js';

/**
 * The plain-HTTP listener's hook (platform §3.4): what the Domain API does not serve is sent to
 * the same URL over HTTPS, before its body is read. 301 for GET and HEAD; 308 for the rest, so a
 * client that follows it keeps its method and body. The host is one publicAuthority allows, so a
 * forged Host header cannot send anybody elsewhere.
 */
export const redirectUnservedToHttps =
  (origin: PublicOriginConfig) => async (request: FastifyRequest, reply: FastifyReply) => {
    if (!request.is404) return;
    const status = request.method === 'GET' || request.method === 'HEAD' ? 301 : 308;
    return reply
      .code(status)
      .header('Location', `https://${publicAuthority(request, origin)}${request.originalUrl}`)
      .send();
  };
