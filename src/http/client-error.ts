import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { envelope } from './legacy/respond.js';
import { isoWithOffset } from './legacy/time-format.js';

const answers: Record<string, { status: number; message: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, message: 'The request did not arrive in time' },
  HPE_HEADER_OVERFLOW: { status: 431, message: 'The request headers are too large' },
};
/** How long a client may take to send a whole request before it is answered 408 (PARLEY_REQUEST_TIMEOUT_MS). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

const malformed = { status: 400, message: 'The request is malformed' };

/**
 * Whether a response on this socket has begun (garbage pipelined behind an event stream, say): a
 * status line written now would land inside its body. Node's own handler (lib/_http_server.js,
 * socketOnError) checks the socket's in-flight ServerResponse the same way.
 */
function isAnswering(socket: Socket): boolean {
  const inFlight: unknown = Reflect.get(socket, '_httpMessage');
  return (
    typeof inFlight === 'object' && inFlight !== null && 'headersSent' in inFlight && inFlight.headersSent === true
  );
}

/**
 * Answers what Node reports below any route — a request not received within the request timeout,
 * headers too large, bytes that are not HTTP — with the JSON envelope (docs/ERRORS.md), then
 * closes the socket: no request was read, so nothing tells its API or format. While a response is
 * under way on the socket it is only closed.
 */
export function answerClientError(error: Error, socket: Socket): void {
  const code = 'code' in error && typeof error.code === 'string' ? error.code : '';
  // A reset socket has nobody to answer.
  if (code === 'ECONNRESET' || socket.destroyed) return;
  const { status, message } = answers[code] ?? malformed;
  const body = JSON.stringify(envelope(isoWithOffset(Date.now()), status, 40, message));
  if (socket.writable && !isAnswering(socket)) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
