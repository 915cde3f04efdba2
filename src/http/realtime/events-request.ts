import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Chat, ChatEvent } from '../../core/chats/chat-model.js';
import type { ChatWatch } from '../../core/chats/chat-watch.js';
import { parseInput } from '../legacy/input.js';
import { streamChatEvents } from './chat-event-stream.js';
import { wantsEventStream } from './event-stream.js';
import { fromQuery, waitQuery } from './events-query.js';
import { longPoll, type RepeatedReads } from './long-poll.js';
import type { ReleaseConnection } from '../../core/agents/agent-presence.js';

export interface EventsRequest {
  request: FastifyRequest;
  reply: FastifyReply;
  watch: ChatWatch;
  accountId: string;
  chatId: string;
  keepAliveMs?: number;
  /** Checks access and records the request before a stream opens (it has no other read). */
  open: () => Promise<void>;
  /**
   * Reads from `from`. `touch` is false for the reads a long-poll or a stream repeats; `holdMs` is
   * how long the first read of a long-poll will be held.
   */
  read: (from: number, options: { touch: boolean; holdMs: number }) => Promise<{ chat: Chat; events: ChatEvent[] }>;
  readChange: RepeatedReads['readChange'];
  /** The event as this API renders it, for stream messages. */
  present: (event: ChatEvent) => Record<string, unknown>;
  /** Each keep-alive of an open stream: the client is still there. */
  onKeepAlive: () => Promise<void>;
  /**
   * Counts an open stream or a held long-poll as a connection of the reader's agent session
   * (agent-presence.ts) until the function returned is called; absent for visitors.
   */
  connect?: () => ReleaseConnection;
}

/**
 * The events of a chat resource, the same way on both APIs: now (the spec's behaviour), held until
 * there is one (`wait=S`), or as a Server-Sent Events stream (`Accept: text/event-stream`, answered
 * here; undefined is returned and the caller sends nothing).
 */
export async function readEventsOrStream(
  options: EventsRequest,
): Promise<{ chat: Chat; events: ChatEvent[]; from: number } | undefined> {
  const { request, reply, watch, accountId, chatId, read, readChange } = options;
  const from = parseInput(fromQuery, request.query);
  const again = { read: (cursor: number) => read(cursor, { touch: false, holdMs: 0 }), readChange };
  /** Whether the server closed it itself (a drain), which is no agent leaving. */
  const released = (release: ReleaseConnection | undefined) => () =>
    release?.({ serverClosing: reply.server.closing.isClosing });
  if (wantsEventStream(request)) {
    await options.open();
    const release = options.connect?.();
    streamChatEvents({
      onClose: released(release),
      ...(options.keepAliveMs === undefined ? {} : { keepAliveMs: options.keepAliveMs }),
      request,
      reply,
      watch,
      accountId,
      chatId,
      from,
      reads: again,
      present: options.present,
      onKeepAlive: options.onKeepAlive,
    });
    return undefined;
  }
  // Read only for a long-poll: a stream has no wait.
  const wait = parseInput(waitQuery, request.query);
  // Only a held long-poll is a connection; one answered at once is an ordinary request.
  const release = released(wait > 0 ? options.connect?.() : undefined);
  try {
    const result = await longPoll({
      watch,
      reply,
      accountId,
      chatId,
      from,
      waitSeconds: wait,
      first: () => read(from, { touch: true, holdMs: wait * 1000 }),
      again,
    });
    return { ...result, from };
  } finally {
    release();
  }
}
