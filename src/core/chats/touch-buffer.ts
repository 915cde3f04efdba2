import type { Store } from '../ports.js';
import { ChatState, type Chat, type ChatTouch } from './chat-model.js';

/**
 * How far off a chat's stored deadline must be for a request to record itself late: further than
 * any wait for the next flush (each timers' turn, once a second), and further than a LivePerson
 * client's poll interval, so that a node that dies with touches unwritten leaves its visitors'
 * chats time to be touched again through another node.
 */
export const DEFERRABLE_BEYOND_MS = 10_000;

const later = (stored: number | null, given: number | null): number | null =>
  given === null ? stored : stored === null ? given : Math.max(stored, given);

/**
 * Requests recorded on chats in memory and written together (docs/adr/0012-buffered-touches.md).
 * A visitor polling every 2 s would otherwise make one durable write per poll: each flush writes
 * every chat touched since the last in one statement. A touch moves only times that are seconds
 * or minutes away, and the store never moves them back (ChatRepository.touch), so a touch written
 * late, after a change that ended the chat, or twice, is harmless. What needs it sooner is written
 * at once: the caller asks `isDeferrable` first.
 */
export function createTouchBuffer(store: Store) {
  let pending = new Map<string, ChatTouch>();
  const keyOf = (accountId: string, chatId: string) => `${accountId}\u0000${chatId}`;

  function record(touch: ChatTouch): void {
    const key = keyOf(touch.accountId, touch.chatId);
    const earlier = pending.get(key);
    pending.set(
      key,
      earlier === undefined
        ? touch
        : {
            ...touch,
            at: Math.max(earlier.at, touch.at),
            idleDueAt: later(earlier.idleDueAt, touch.idleDueAt),
            retainUntil: later(earlier.retainUntil, touch.retainUntil),
          },
    );
  }

  return {
    record,

    /**
     * Whether a touch of this chat, as stored, may wait for the next flush: its deadline (the
     * idle one while live, the retention once ended) is further than DEFERRABLE_BEYOND_MS away.
     */
    isDeferrable(stored: Chat, now: number): boolean {
      const deadline = stored.state === ChatState.ENDED ? stored.retainUntil : stored.idleDueAt;
      return deadline === null || deadline - now > DEFERRABLE_BEYOND_MS;
    },

    /** The chat as it stands with this node's unwritten touches on it (the later of each time). */
    applied(chat: Chat): Chat {
      const touch = pending.get(keyOf(chat.accountId, chat.id));
      if (touch === undefined) return chat;
      const isLive = chat.state !== ChatState.ENDED;
      return {
        ...chat,
        lastUpdate: Math.max(chat.lastUpdate, touch.at),
        idleDueAt: isLive ? later(chat.idleDueAt, touch.idleDueAt) : chat.idleDueAt,
        retainUntil: isLive ? chat.retainUntil : later(chat.retainUntil, touch.retainUntil),
      };
    },

    /**
     * Writes every touch recorded so far. Those that fail to be written are kept for the next
     * flush (merged with any recorded meanwhile), and the failure is thrown.
     */
    async flush(): Promise<void> {
      if (pending.size === 0) return;
      const batch = [...pending.values()];
      pending = new Map();
      try {
        await store.chats.touch(batch);
      } catch (error) {
        for (const touch of batch) record(touch);
        throw error;
      }
    },

    /** Touches not yet written (for tests and the drain). */
    get size(): number {
      return pending.size;
    },
  };
}

export type TouchBuffer = ReturnType<typeof createTouchBuffer>;
