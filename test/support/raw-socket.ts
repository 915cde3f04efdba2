import { connect, type Socket } from 'node:net';
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

/** The responses in `text` (status, headers lower-cased, body by Content-Length), in order. */
export function parseResponses(text: string): { status: number; headers: Map<string, string>; body: string }[] {
  const responses: { status: number; headers: Map<string, string>; body: string }[] = [];
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
