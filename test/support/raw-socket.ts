import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { z } from 'zod';
import { eventually } from './eventually.js';

/** A plain TCP connection to an HTTP server, to send requests byte by byte (slow, pipelined, unfinished). */
export interface RawConnection {
  socket: Socket;
  /** Everything the server has sent so far. */
  received(): string;
  /** Resolves once the server has sent text matching `pattern`; fails after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves once the socket is closed (by either side, or reset); fails after `timeoutMs`. */
  closed(timeoutMs?: number): Promise<void>;
  isClosed(): boolean;
  write(text: string): void;
}

export async function openRaw(baseUrl: string): Promise<RawConnection> {
  const url = new URL(baseUrl);
  const socket = connect({ host: url.hostname, port: Number(url.port) });
  let text = '';
  let isClosed = false;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (text += chunk));
  // A reset is one way a server may close: the test looks at what arrived before it.
  socket.on('error', () => undefined);
  socket.on('close', () => (isClosed = true));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return {
    socket,
    received: () => text,
    async waitFor(pattern, timeoutMs = 30_000) {
      await eventually(`${String(pattern)} in ${JSON.stringify(text)}`, () => pattern.test(text), { timeoutMs });
      return text;
    },
    closed: (timeoutMs = 30_000) => eventually('the socket to close', () => isClosed, { timeoutMs }),
    isClosed: () => isClosed,
    write(chunk) {
      if (!socket.destroyed && socket.writable) socket.write(chunk);
    },
  };
}

/** One response read off a raw connection: status, headers lower-cased, body by Content-Length. */
export interface RawResponse {
  status: number;
  headers: Map<string, string>;
  body: string;
}

/** The responses in `text` (status, headers lower-cased, body by Content-Length), in order. */
export function parseResponses(text: string): RawResponse[] {
  const responses: RawResponse[] = [];
  let rest = text;
  while (rest.startsWith('HTTP/1.1 ')) {
    const headEnd = rest.indexOf('\r\n\r\n');
    if (headEnd === -1) break;
    const [statusLine = '', ...lines] = rest.slice(0, headEnd).split('\r\n');
    const headers = new Map<string, string>();
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const length = Number(headers.get('content-length') ?? '0');
    const body = rest.slice(headEnd + 4, headEnd + 4 + length);
    responses.push({ status: Number(statusLine.split(' ')[1]), headers, body });
    rest = rest.slice(headEnd + 4 + length);
  }
  return responses;
}

const drainEnvelope = z.object({ error: z.object({ internalCode: z.number(), responseStatus: z.string() }) });

/**
 * Asserts the answer of a draining server to a request it refuses (docs/adr/0006-graceful-drain.md):
 * 503, Retry-After 1, Connection: close and the 99 / SERVICE_UNAVAILABLE envelope. `received`, all
 * the connection got, is the message when there is no 503.
 */
export function assertDrainRefusal(response: RawResponse | undefined, received: string): void {
  assert.equal(response?.status, 503, received);
  assert.equal(response.headers.get('retry-after'), '1');
  assert.equal(response.headers.get('connection'), 'close');
  const { error } = drainEnvelope.parse(JSON.parse(response.body));
  assert.deepEqual(error, { ...error, internalCode: 99, responseStatus: 'SERVICE_UNAVAILABLE' });
}
