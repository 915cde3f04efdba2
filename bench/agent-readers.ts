/**
 * What the delivery benches share: the agent-side readers of a chat's events (long-poll and
 * Server-Sent Events), a bounded worker pool, and a process's CPU time from outside it.
 */
import { readFileSync } from 'node:fs';
import { call, open } from './bench-http.js';

/** A chat as its agent reads it. */
export interface ReadChat {
  agentPath: string;
  bearer: string;
}

/**
 * Reads a chat's events from `from` until `signal` aborts, calling `onLine` with each visitor line
 * and `onPoll` after each answered long-poll.
 */
export type Receiver = (
  base: string,
  chat: ReadChat,
  from: number,
  onLine: (text: string) => void,
  signal: AbortSignal,
  onPoll?: () => void,
) => Promise<void>;

/** Long-poll: the agent holds `events?from=N&wait=25` open and asks again at once. */
export const longPollReceiver: Receiver = async (base, chat, start, onLine, signal, onPoll) => {
  let from = start;
  while (!signal.aborted) {
    try {
      const response = await call(base, 'GET', `${chat.agentPath}/events.json?from=${from}&wait=25`, {
        bearer: chat.bearer,
        signal,
      });
      onPoll?.();
      const body = response.json<{ events: { link: { '@href': string; '@rel': string }[]; event?: unknown } }>();
      const events = body.events.event === undefined ? [] : [body.events.event].flat();
      for (const event of events as { text?: string; source?: string }[])
        if (event.source === 'visitor' && event.text) onLine(event.text);
      const next = body.events.link.find((link) => link['@rel'] === 'next')?.['@href'] ?? '';
      from = Number(/from=(\d+)/.exec(next)?.[1] ?? from);
    } catch {
      return;
    }
  }
};

/** SSE: one stream per chat, messages parsed as they arrive. */
export const sseReceiver: Receiver = async (base, chat, start, onLine, signal) => {
  try {
    const response = await open(base, 'GET', `${chat.agentPath}/events?from=${start}`, {
      headers: { authorization: `Bearer ${chat.bearer}`, accept: 'text/event-stream' },
      signal,
    });
    response.setEncoding('utf8');
    let buffer = '';
    await new Promise<void>((resolve) => {
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = message.split('\n').find((line) => line.startsWith('data: '));
          if (data === undefined) continue;
          const event = JSON.parse(data.slice(6)) as { text?: string; source?: string };
          if (event.source === 'visitor' && event.text) onLine(event.text);
        }
      });
      response.once('close', resolve);
      response.once('error', () => resolve());
    });
  } catch {
    return;
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
