import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ChatEvent, CommittedChange } from '../../core/chats/chat-model.js';
import type { ChatWatch } from '../../core/chats/chat-watch.js';
import { parseLeadingDigits } from '../legacy/lenient-query.js';
import { openEventStream } from './event-stream.js';
import type { RepeatedReads } from './long-poll.js';

/** Where a stream starts: after `Last-Event-ID` when reconnecting, else `from`, else 0. */
export function streamStart(request: FastifyRequest, from: number): number {
  const header = request.headers['last-event-id'];
  const last = parseLeadingDigits(Array.isArray(header) ? header[0] : header);
  return last === undefined ? from : last + 1;
}

/**
 * Streams a chat's events as Server-Sent Events: `id` is the event id, `data` the event as the
 * resource renders it. Every event is sent once, in order: reads are serialised behind one cursor,
 * which also moves past events this reader may not see. A change the bus carries is sent as it
 * is, without asking the store, when it reaches back to the cursor. The stream ends after the
 * `ended` event.
 */
export function streamChatEvents(options: {
  request: FastifyRequest;
  reply: FastifyReply;
  watch: ChatWatch;
  accountId: string;
  chatId: string;
  from: number;
  reads: RepeatedReads;
  present: (event: ChatEvent) => Record<string, unknown>;
  /** Called with each keep-alive: a visitor's open stream keeps the chat alive. */
  onKeepAlive?: () => Promise<void>;
  keepAliveMs?: number;
  /** Called once when the stream closes, however it closes. */
  onClose?: () => void;
}): void {
  const { reply, watch, accountId, chatId, reads, present } = options;
  const stream = openEventStream(reply, {
    ...(options.keepAliveMs === undefined ? {} : { keepAliveMs: options.keepAliveMs }),
    onKeepAlive: () => {
      options.onKeepAlive?.().catch(() => stream.close());
    },
  });
  let cursor = streamStart(options.request, options.from);
  let pumping: Promise<void> = Promise.resolve();

  /**
   * Sends what is new since the cursor, from the change that woke the stream when it can tell; one
   * at a time, so nothing is sent twice or out of order.
   */
  const pump = async (change?: CommittedChange): Promise<void> => {
    if (stream.closed) return;
    const { chat, events } = (change && reads.readChange(change, cursor)) ?? (await reads.read(cursor));
    for (const event of events) stream.send({ id: event.id, data: present(event) });
    cursor = Math.max(cursor, chat.nextEventId, (events.at(-1)?.id ?? -1) + 1);
    // Nothing follows the end of a chat.
    if (chat.state === 'ended' && cursor >= chat.nextEventId) stream.close();
  };
  const schedule = (change?: CommittedChange) => {
    pumping = pumping.then(() => pump(change)).catch(() => stream.close());
  };

  const unlisten = watch.listen(accountId, chatId, (change) => {
    // No change: some may have been missed (the bus resumed), so the store is read by the cursor.
    if (change === undefined || change.chat.nextEventId > cursor || change.chat.state === 'ended') schedule(change);
  });
  stream.onClose(unlisten);
  if (options.onClose !== undefined) stream.onClose(options.onClose);
  schedule();
}
