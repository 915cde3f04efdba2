import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import { effectiveMethod } from './legacy/resource.js';

/**
 * The server's logger: `level` and above, a request as the client sent it (with its format
 * suffix, which routing strips). Requests are logged without their headers or body, so no
 * credential (bearer, cookie, password) reaches a line.
 */
export const requestLogOptions = (level: string) => ({
  level,
  serializers: {
    req: (request: FastifyRequest) => ({
      method: request.method,
      url: request.originalUrl,
      host: request.host,
      remoteAddress: request.ip,
      remotePort: request.socket.remotePort,
    }),
  },
});

/**
 * Whether a request is routine: asked again and again as a matter of course, so that at info its
 * lines would drown everything else (a chat's typing flag is read every second, its events every
 * two seconds by a polling bot). Routine are, by their resources' `routine` flag: the typing flags
 * (read and set, on both APIs), and the reads a client repeats on a timer — the ringing count
 * (incomingRequests), a chat and its events (polls, long-polls, streams; both APIs), the
 * live-chats list, a waiting chat's estimated wait, and `/health`, which a load balancer asks every
 * few seconds. Changes (a line, an accept, an end, a login) are not: at info the log still tells
 * each chat's course.
 */
function isRoutine(request: FastifyRequest): boolean {
  const { routine, resourceMethods } = request.routeOptions.config;
  if (routine === true) return true;
  if (routine !== 'reads' || resourceMethods === undefined) return false;
  return effectiveMethod(request, resourceMethods) === 'GET';
}

/**
 * One line per request, when it is answered, instead of Fastify's two (one as it arrives): a
 * long-poll client asks again after every event, and each line is written on the event loop. A
 * routine request's success is a debug line; its failures stay at info, as every other request's.
 */
export class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const fields = { req: request, res: reply, responseTime: reply.elapsedTime };
    if (error) reply.log.error({ ...fields, err: error }, 'request errored');
    else if (reply.statusCode < 400 && isRoutine(request)) reply.log.debug(fields, 'request completed');
    else reply.log.info(fields, 'request completed');
  }
}
