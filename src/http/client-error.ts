import type { Socket } from 'node:net';
import { ServerResponse, STATUS_CODES } from 'node:http';
import { envelopeOf, renderLegacy, routedContextOf } from './legacy/respond.js';

const answers: Record<string, { status: number; message: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, message: 'The request did not arrive in time' },
  HPE_HEADER_OVERFLOW: { status: 431, message: 'The request headers are too large' },
};
/** How long a client may take to send a whole request before it is answered 408 (PARLEY_REQUEST_TIMEOUT_MS). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

const malformed = { status: 400, message: 'The request is malformed' };

/**
 * The response Node has assigned to the socket's current request, if any: it exists once a
 * request's head was read (a body timing out), not for a head that never completed. Node's own
 * handler (lib/_http_server.js, socketOnError) looks at the same field.
 */
function responseOf(socket: Socket): ServerResponse | undefined {
  const inFlight: unknown = Reflect.get(socket, '_httpMessage');
  return inFlight instanceof ServerResponse ? inFlight : undefined;
}

/**
 * Answers what Node reports below any route — a request not received within the request timeout,
 * headers too large, bytes that are not HTTP — with the error envelope (docs/ERRORS.md), then
 * closes the socket. When the request's head was read (a body too slow), the answer takes that
 * API's time form and format, as any other error of it; otherwise JSON with an ISO time. While a
 * response is under way on the socket (garbage behind an event stream), it is only closed: a status
 * line now would land inside that response's body.
 */
export function answerClientError(error: Error, socket: Socket): void {
  const code = 'code' in error && typeof error.code === 'string' ? error.code : '';
  // A reset socket has nobody to answer.
  if (code === 'ECONNRESET' || socket.destroyed) return;
  const { status, message } = answers[code] ?? malformed;
  const response = responseOf(socket);
  if (socket.writable && response?.headersSent !== true) {
    const context = response === undefined ? undefined : routedContextOf(response.req);
    const { type, body } = renderLegacy(
      context?.format ?? 'json',
      envelopeOf(context?.api.errorTime ?? 'iso-8601', status, 40, message),
    );
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Type: ${type}\r\n` +
        `X-Content-Type-Options: nosniff\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    socket.write(body);
  }
  socket.destroy();
}
