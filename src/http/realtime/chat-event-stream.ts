import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Chat, ChatEvent } from '../../core/chats/chat-model.js';
import type { ChatWatch } from '../../core/chats/chat-watch.js';
import { parseLeadingDigits } from '../legacy/lenient-query.js';
import { openEventStream } from './event-stream.js';

/** Where a stream starts: after `Last-Event-ID` when reconnecting, else `from`, else 0. */
export function streamStart(request: FastifyRequest, from: number): number {
  const header = request.headers['last-event-id'];
  const last = parseLeadingDigits(Array.isArray(header) ? header[0] : header);
  return last === undefined ? from : last + 1;
}

/**
 * Streams a chat's events as Server-Sent Events: `id` is the event id, `data` the event as the
 * resource renders it. Every event is sent once, in order: reads are serialised behind one cursor,
 * which also moves past events this reader may not see. The stream ends after the `ended` event.
 */
export function streamChatEvents(options: {
  request: FastifyRequest;
  reply: FastifyReply;
  watch: ChatWatch;
  accountId: string;
  chatId: string;
  from: number;
  read: (from: number) => Promise<{ chat: Chat; events: ChatEvent[] }>;
  present: (event: ChatEvent) => Record<string, unknown>;
  /** Called with each keep-alive: a visitor's open stream keeps the chat alive. */
  onKeepAlive?: () => Promise<void>;
  keepAliveMs?: number;
}): void {
  const { reply, watch, accountId, chatId, read, present } = options;
  const stream = openEventStream(reply, {
    ...(options.keepAliveMs === undefined ? {} : { keepAliveMs: options.keepAliveMs }),
    onKeepAlive: () => {
      options.onKeepAlive?.().catch(() => stream.close());
    },
  });
  let cursor = streamStart(options.request, options.from);
  let pumping: Promise<void> = Promise.resolve();

  /** Sends what is new since the cursor; one at a time, so nothing is sent twice or out of order. */
  const pump = async (): Promise<void> => {
    if (stream.closed) return;
    const { chat, events } = await read(cursor);
    for (const event of events) stream.send({ id: event.id, data: present(event) });
    cursor = Math.max(cursor, chat.nextEventId, (events.at(-1)?.id ?? -1) + 1);
    // Nothing follows the end of a chat.
    if (chat.state === 'ended' && cursor >= chat.nextEventId) stream.close();
  };
  const schedule = () => {
    pumping = pumping.then(pump).catch(() => stream.close());
  };

  const unlisten = watch.listen(accountId, chatId, (event) => {
    if (event.nextEventId > cursor || event.state === 'ended') schedule();
  });
  stream.onClose(unlisten);
  schedule();
}
