import { randomUUID } from 'node:crypto';
import { send, type HttpRequestOptions, type HttpResponse } from './http-client.js';
import { openStream, type SseClient, type SseMessage } from './sse-client.js';

/**
 * Clients as they behave in front of a cluster whose nodes come and go: a request that found no
 * node, a node that went away or one that said 503 is sent again (the retry policy of platform
 * §6.1, Retry-After honoured), with the same Idempotency-Key, so a retry of a line that was stored
 * after all does not store it twice (docs/adr/0009-idempotency-keys.md).
 */

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What one request went through before its answer: the failed attempts and their statuses. */
export interface Attempts {
  response: HttpResponse;
  /** Statuses of the answers retried (0: no answer at all, the connection failed). */
  retried: number[];
  /** Retry-After of each 503 retried (undefined when it had none). */
  retryAfter: (string | undefined)[];
}

/** Statuses a cluster's client retries: no node (HAProxy's 503), a node gone (502), 503, 504. */
const RETRYABLE = new Set([0, 502, 503, 504]);

/**
 * Sends until the answer is not a retryable failure, or `deadlineMs` has passed (then the last
 * answer). Mutating requests carry one Idempotency-Key for all their attempts.
 */
export async function sendRetrying(
  baseUrl: string,
  method: string,
  path: string,
  options: HttpRequestOptions = {},
  deadlineMs = 120_000,
  /** Gives up at once (with the last answer) when it says so: the test is over. */
  isCancelled: () => boolean = () => false,
): Promise<Attempts> {
  const headers = { ...options.headers };
  if (method !== 'GET' && !Object.keys(headers).some((name) => name.toLowerCase() === 'idempotency-key'))
    headers['Idempotency-Key'] = randomUUID();
  const deadline = Date.now() + deadlineMs;
  const retried: number[] = [];
  const retryAfter: (string | undefined)[] = [];
  for (;;) {
    const response = await send(baseUrl, method, path, { ...options, headers }).catch(
      (error: unknown): HttpResponse => ({
        status: 0,
        headers: {},
        text: error instanceof Error ? error.message : String(error),
        json: () => undefined,
        header: () => undefined,
      }),
    );
    if (!RETRYABLE.has(response.status) || Date.now() > deadline || isCancelled())
      return { response, retried, retryAfter };
    retried.push(response.status);
    const after = response.header('retry-after');
    if (response.status === 503) retryAfter.push(after);
    // Retry-After in seconds, at most 2 s here: the test waits for the cluster, not the clock.
    await pause(Math.min(2_000, after === undefined ? 250 : Number(after) * 1_000 || 250));
  }
}

/**
 * An event stream that follows a chat to its end across dropped connections: each reconnect sends
 * the last id seen as Last-Event-ID, as an EventSource does, through whatever node answers.
 */
export interface FollowedStream {
  /** Every message received, over all connections, in order. */
  messages(): SseMessage[];
  /** How many times it had to connect again. */
  reconnects(): number;
  /** Resolves once a message says the chat ended and the stream closed (or stop() was called). */
  done: Promise<void>;
  stop(): void;
}

export function followStream(
  baseUrl: string,
  path: string,
  headers: Record<string, string> = {},
  isLast: (message: SseMessage) => boolean = (message) => /"state":"ended"/.test(message.data),
): FollowedStream {
  const received: SseMessage[] = [];
  let current: SseClient | undefined;
  let reconnects = 0;
  let stopped = false;
  const all = () => [...received, ...(current?.messages ?? [])];
  const done = (async () => {
    for (let attempt = 0; !stopped; attempt += 1) {
      if (attempt > 0) reconnects += 1;
      const last = all().at(-1)?.id;
      const stream = await openStream(baseUrl, path, {
        ...headers,
        ...(last === undefined ? {} : { 'last-event-id': last }),
      }).catch(() => undefined);
      if (stream === undefined || stream.status !== 200) {
        stream?.drop();
        await pause(250);
        continue;
      }
      current = stream;
      while (!stream.isEnded && !stopped) await pause(25);
      stream.drop();
      received.push(...stream.messages);
      current = undefined;
      if (received.some(isLast)) return;
    }
  })();
  return {
    messages: all,
    reconnects: () => reconnects,
    done,
    stop: () => {
      stopped = true;
      current?.drop();
    },
  };
}
