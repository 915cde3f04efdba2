import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

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
 * One line per request, when it is answered, instead of Fastify's two (one as it arrives): a
 * long-poll client asks again after every event, and each line is written on the event loop. A
 * routine resource's success (a typing flag) is a debug line: at info it would drown the rest.
 */
export class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const fields = { req: request, res: reply, responseTime: reply.elapsedTime };
    if (error) reply.log.error({ ...fields, err: error }, 'request errored');
    else if (request.routeOptions.config.routine === true && reply.statusCode < 400) {
      reply.log.debug(fields, 'request completed');
    } else reply.log.info(fields, 'request completed');
  }
}
