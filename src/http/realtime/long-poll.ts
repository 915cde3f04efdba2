import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Chat, ChatEvent } from '../../core/chats/chat-model.js';
import type { ChatWatch } from '../../core/chats/chat-watch.js';
import { ChatError, ErrorCode } from '../../core/errors.js';
import { queryParam } from '../legacy/respond.js';

/** The longest a long-poll may be held (seconds). */
export const MAX_WAIT_SECONDS = 60;

/** `wait=S`: 0 when absent (the spec's behaviour, unchanged); 1–60 seconds; anything else 400 / 40. */
export function waitParam(request: FastifyRequest): number {
  const raw = queryParam(request, 'wait');
  if (raw === undefined || raw === '') return 0;
  const seconds = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(seconds) || seconds > MAX_WAIT_SECONDS) {
    throw new ChatError(ErrorCode.VALIDATION, `wait must be 0-${MAX_WAIT_SECONDS} seconds`, { field: 'wait' });
  }
  return seconds;
}

/**
 * Holds a read until it returns at least one event or `waitSeconds` pass. While nothing happens the
 * store is not asked again: the wait is on the chat watch, woken by the bus when the chat changes.
 * It also ends when the client goes away (an abandoned long-poll stops waiting at once) and when the
 * server begins to close (it answers with what there is instead of holding the shutdown).
 */
export async function longPoll(
  watch: ChatWatch,
  reply: FastifyReply,
  accountId: string,
  chatId: string,
  waitSeconds: number,
  read: (isRepeat: boolean) => Promise<{ chat: Chat; events: ChatEvent[] }>,
): Promise<{ chat: Chat; events: ChatEvent[] }> {
  if (waitSeconds === 0) return read(false);
  // Listen before the first read, so a change committed between the read and the wait is not missed.
  let announced = 0;
  let ended = false;
  let stopped = false;
  let wake: (() => void) | undefined;
  const unlisten = watch.listen(accountId, chatId, (event) => {
    announced = Math.max(announced, event.nextEventId);
    ended ||= event.state === 'ended';
    wake?.();
  });
  const stop = () => {
    stopped = true;
    wake?.();
  };
  reply.raw.once('close', stop);
  const unlistenClosing = reply.server.closing.listen(stop);
  try {
    const deadline = Date.now() + waitSeconds * 1000;
    let result = await read(false);
    while (result.events.length === 0 && result.chat.state !== 'ended' && !stopped) {
      const seen = result.chat.nextEventId;
      if (announced <= seen && !ended) {
        const remaining = deadline - Date.now();
        if (remaining <= 0) break;
        const woke = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), remaining);
          wake = () => {
            if (!stopped && announced <= seen && !ended) return;
            clearTimeout(timer);
            resolve(!stopped);
          };
        });
        wake = undefined;
        if (!woke) break;
      }
      result = await read(true);
    }
    return result;
  } finally {
    unlisten();
    unlistenClosing();
    reply.raw.off('close', stop);
  }
}
