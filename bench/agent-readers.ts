/**
 * What the delivery benches share: the agent-side readers of a chat's events (long-poll and
 * Server-Sent Events), a bounded worker pool, and a process's CPU time from outside it.
 */
import { readFileSync } from 'node:fs';
import { call, open, sleep } from './bench-http.js';

/** A chat as its agent reads it. */
export interface ReadChat {
  agentPath: string;
  bearer: string;
}

/**
 * Reads a chat's events from `from` until `signal` aborts, calling `onLine` with each visitor line
 * and `onPoll` after each answered long-poll. Without `onError` a reader stops at its first failure
 * (a refused request, a network error, a stream the server closed); with it, the failure is reported
 * by kind and the reader asks again a second later from the last event it read, as a client would.
 */
export type Receiver = (
  base: string,
  chat: ReadChat,
  from: number,
  onLine: (text: string) => void,
  signal: AbortSignal,
  onPoll?: () => void,
  onError?: (kind: string) => void,
) => Promise<void>;

/** How long a reader that reports its failures waits before asking again. */
const RETRY_MS = 1000;

/** A failed request's kind: the network error's code, `timeout`, or the error's name. */
export function failureKind(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    if (error.name === 'TimeoutError' || (error.cause instanceof Error && error.cause.name === 'TimeoutError'))
      return 'timeout';
    if (typeof code === 'string') return code;
    return error.name;
  }
  return String(error);
}

/** Long-poll: the agent holds `events?from=N&wait=25` open and asks again at once. */
export const longPollReceiver: Receiver = async (base, chat, start, onLine, signal, onPoll, onError) => {
  let from = start;
  while (!signal.aborted) {
    try {
      const response = await call(base, 'GET', `${chat.agentPath}/events.json?from=${from}&wait=25`, {
        bearer: chat.bearer,
        signal,
      });
      if (response.status !== 200 && onError !== undefined) {
        onError(`long-poll HTTP ${response.status}`);
        await sleep(RETRY_MS);
        continue;
      }
      onPoll?.();
      const body = response.json<{ events: { link: { '@href': string; '@rel': string }[]; event?: unknown } }>();
      const events = body.events.event === undefined ? [] : [body.events.event].flat();
      for (const event of events as { text?: string; source?: string }[])
        if (event.source === 'visitor' && event.text) onLine(event.text);
      const next = body.events.link.find((link) => link['@rel'] === 'next')?.['@href'] ?? '';
      from = Number(/from=(\d+)/.exec(next)?.[1] ?? from);
    } catch (error) {
      if (signal.aborted || onError === undefined) return;
      onError(`long-poll ${failureKind(error)}`);
      await sleep(RETRY_MS);
    }
  }
};

/** SSE: one stream per chat, messages parsed as they arrive. */
export const sseReceiver: Receiver = async (base, chat, start, onLine, signal, _onPoll, onError) => {
  let from = start;
  while (!signal.aborted) {
    let failure: string | undefined;
    try {
      const response = await open(base, 'GET', `${chat.agentPath}/events?from=${from}`, {
        headers: { authorization: `Bearer ${chat.bearer}`, accept: 'text/event-stream' },
        signal,
      });
      if (response.statusCode !== 200) failure = `SSE HTTP ${response.statusCode}`;
      response.setEncoding('utf8');
      let buffer = '';
      await new Promise<void>((resolve) => {
        response.on('data', (chunk: string) => {
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) !== -1) {
            const message = buffer.slice(0, end).split('\n');
            buffer = buffer.slice(end + 2);
            const id = message.find((line) => line.startsWith('id: '));
            if (id !== undefined) from = Number(id.slice(4)) + 1;
            const data = message.find((line) => line.startsWith('data: '));
            if (data === undefined) continue;
            const event = JSON.parse(data.slice(6)) as { text?: string; source?: string };
            if (event.source === 'visitor' && event.text) onLine(event.text);
          }
        });
        response.once('close', resolve);
        response.once('error', () => resolve());
      });
      failure ??= 'SSE stream closed';
    } catch (error) {
      failure = `SSE ${failureKind(error)}`;
    }
    if (signal.aborted || onError === undefined) return;
    onError(failure);
    await sleep(RETRY_MS);
  }
};

/** Runs `work` over `items` with at most `limit` at a time. */
export async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/** CPU time a process has used, in ms (Linux /proc; NaN elsewhere), in clock ticks of 10 ms. */
export function cpuMsOf(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}
