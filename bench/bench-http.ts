/**
 * What every bench's client needs: one keep-alive pool over node:http (which costs the client far
 * less CPU than fetch: the client shares the two cores with the server, so whatever it spends
 * shows in the latencies it measures), requests on it, percentiles, and the line naming the run.
 */
import { Agent, request as httpRequest, type IncomingMessage } from 'node:http';
import { cpus } from 'node:os';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const pooled = new Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 4096 });

export interface RequestOptions {
  bearer?: string;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface Answer {
  status: number;
  location: string | undefined;
  json<T>(): T;
}

/** Opens a request and resolves with the response as it starts (its body still to read). */
export function open(
  base: string,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<IncomingMessage> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        agent: pooled,
        hostname,
        port,
        method,
        path,
        headers: {
          ...options.headers,
          ...(options.bearer === undefined ? {} : { authorization: `Bearer ${options.bearer}` }),
          ...(payload === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }),
        },
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      },
      resolve,
    );
    // `on`, not `once`: an aborted request may emit a second error (the socket's hang-up) after the first.
    req.on('error', reject);
    req.end(payload);
  });
}

/** A request and its whole answer. */
export async function call(base: string, method: string, path: string, options: RequestOptions = {}): Promise<Answer> {
  const response = await open(base, method, path, options).catch((error: unknown) => {
    // A kept-alive socket the server (or HAProxy) closed while idle, just as it was reused: a GET
    // is safe to send again, once, on a fresh socket.
    const isReset = typeof error === 'object' && error !== null && 'code' in error && error.code === 'ECONNRESET';
    if (method !== 'GET' || !isReset || options.signal?.aborted === true) throw error;
    return open(base, method, path, options);
  });
  const text = await new Promise<string>((resolve, reject) => {
    let body = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => (body += chunk));
    response.once('end', () => resolve(body));
    response.once('error', reject);
  });
  return {
    status: response.statusCode ?? 0,
    location: response.headers.location,
    json: <T>() => JSON.parse(text) as T,
  };
}

/** The value at percentile `p` of ascending `sorted`. */
export const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

/** `Run <date> on <cores> × <CPU>, Node <version>, <what>:`, the first line of a bench's table. */
export const runLine = (what: string): string =>
  `Run ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version}, ${what}:`;
