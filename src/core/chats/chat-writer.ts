import { ChatError, ErrorCode } from '../errors.js';
import type { Clock, EventBus, Store } from '../ports.js';
import { isGone, numberEvents } from './chat-events.js';
import type { Chat, CommittedChange, NewChatEvent } from './chat-model.js';

/** What a change to one chat produces: the chat as it should be stored, and events to append. */
export interface ChatChange {
  chat: Chat;
  events: NewChatEvent[];
}

export type ApplyChange = (chat: Chat, now: number, tx: Store) => ChatChange | Promise<ChatChange>;

/**
 * The one way chats change: read under a lock, apply, append events with consecutive ids, save,
 * commit, then announce (publish after commit). Two writers of one chat never interleave, so event
 * ids have no gaps and no duplicates.
 */
export function createChatWriter({ store, clock, bus }: { store: Store; clock: Clock; bus: EventBus }) {
  const notFound = () => new ChatError(ErrorCode.NOT_FOUND, 'Chat not found');

  /** Applies a change inside the caller's transaction; the caller announces after its commit. */
  async function changeWithin(tx: Store, accountId: string, chatId: string, apply: ApplyChange) {
    const now = clock.now();
    const current = await tx.chats.get(accountId, chatId, { forUpdate: true });
    if (current === undefined || isGone(current, now)) throw notFound();
    const change = await apply(current, now, tx);
    const numbered = numberEvents(change.chat, change.events);
    await tx.chats.appendEvents(accountId, chatId, numbered.events);
    await tx.chats.save(numbered.chat);
    return numbered;
  }

  /** Publishes a committed change: the chat as it is now and the events the change appended. */
  function announce(change: CommittedChange): void {
    bus.publish({ type: 'chat.changed', chat: change.chat, events: change.events });
  }

  return {
    changeWithin,
    announce,
    async change(accountId: string, chatId: string, apply: ApplyChange): Promise<CommittedChange> {
      const result = await store.transaction((tx) => changeWithin(tx, accountId, chatId, apply));
      announce(result);
      return result;
    },
  };
}

export type ChatWriter = ReturnType<typeof createChatWriter>;
