import type { Store } from '../ports.js';
import { createWriteBehind, isDeferrable, later } from '../write-behind.js';
import { ChatState, type Chat, type ChatTouch } from './chat-model.js';

const keyOf = (accountId: string, chatId: string) => `${accountId}\u0000${chatId}`;

/**
 * Requests recorded on chats in memory and written together (docs/adr/0012-buffered-touches.md).
 * A visitor polling every 2 s would otherwise make one durable write per poll: each flush writes
 * every chat touched since the last in one statement. A touch moves only times that are seconds
 * or minutes away, and the store never moves them back (ChatRepository.touch), so a touch written
 * late, after a change that ended the chat, or twice, is harmless. What needs it sooner is written
 * at once: the caller asks `isDeferrable` first.
 */
export function createTouchBuffer(store: Store) {
  const buffer = createWriteBehind<ChatTouch>({
    keyOf: (touch) => keyOf(touch.accountId, touch.chatId),
    merge: (earlier, touch) => ({
      ...touch,
      at: Math.max(earlier.at, touch.at),
      idleDueAt: later(earlier.idleDueAt, touch.idleDueAt),
      retainUntil: later(earlier.retainUntil, touch.retainUntil),
    }),
    write: (touches) => store.chats.touch(touches),
  });

  return {
    record: buffer.record,
    flush: buffer.flush,

    /**
     * Whether a touch of this chat, as stored, may wait for the next flush: its deadline (the
     * idle one while live, the retention once ended) is further than DEFERRABLE_BEYOND_MS away.
     */
    isDeferrable: (stored: Chat, now: number): boolean =>
      isDeferrable(stored.state === ChatState.ENDED ? stored.retainUntil : stored.idleDueAt, now),

    /** The chat as it stands with this node's unwritten touches on it (the later of each time). */
    applied(chat: Chat): Chat {
      const touch = buffer.pending(keyOf(chat.accountId, chat.id));
      if (touch === undefined) return chat;
      const isLive = chat.state !== ChatState.ENDED;
      return {
        ...chat,
        lastUpdate: Math.max(chat.lastUpdate, touch.at),
        idleDueAt: isLive ? later(chat.idleDueAt, touch.idleDueAt) : chat.idleDueAt,
        retainUntil: isLive ? chat.retainUntil : later(chat.retainUntil, touch.retainUntil),
      };
    },

    /** Touches not yet written. */
    get size(): number {
      return buffer.size;
    },
  };
}

export type TouchBuffer = ReturnType<typeof createTouchBuffer>;
