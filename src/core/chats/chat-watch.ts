import type { EventBus } from '../ports.js';
import type { CommittedChange } from './chat-model.js';

/**
 * Called with each change, or with undefined when changes may have been missed (the bus lost
 * other nodes' events during a break, `bus.resumed`): the listener then reads from the store, by
 * its cursor, what it has not seen.
 */
type Listener = (change: CommittedChange | undefined) => void;

/** Listeners by key: adding returns the removal, which drops the key once its last listener goes. */
function listenerTable() {
  const table = new Map<string, Set<Listener>>();
  return {
    add(key: string, listener: Listener): () => void {
      const set = table.get(key) ?? new Set<Listener>();
      table.set(key, set);
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0) table.delete(key);
      };
    },
    notify(key: string, change: CommittedChange): void {
      for (const listener of table.get(key) ?? []) listener(change);
    },
    notifyAll(): void {
      for (const set of [...table.values()]) for (const listener of [...set]) listener(undefined);
    },
    size(): number {
      let count = 0;
      for (const set of table.values()) count += set.size;
      return count;
    },
  };
}

/**
 * Who is waiting for which chat, kept in memory: long-polls and streams wait here for the bus to
 * announce a change instead of asking the store again and again. One bus subscription serves every
 * waiter; a change reaches only the waiters of its chat, and the agent streams of its account;
 * after a break of the bus every waiter is told to read from the store.
 */
export function createChatWatch(bus: EventBus) {
  const byChat = listenerTable();
  const byAccount = listenerTable();
  const key = (accountId: string, chatId: string) => `${accountId}\u0000${chatId}`;

  bus.subscribe('chat.changed', ({ chat, events }) => {
    const change = { chat, events };
    byChat.notify(key(chat.accountId, chat.id), change);
    byAccount.notify(chat.accountId, change);
  });
  // Every waiter reads from the store once: what it missed is there, and its cursor keeps it from
  // being told anything twice.
  bus.subscribe('bus.resumed', () => {
    byChat.notifyAll();
    byAccount.notifyAll();
  });

  return {
    /** Every change to one chat, with the events it appended (long-polls and event streams). */
    listen(accountId: string, chatId: string, listener: Listener): () => void {
      return byChat.add(key(accountId, chatId), listener);
    },

    /** Every change to a chat of the account (an agent session's stream of rings and assignments). */
    listenAccount(accountId: string, listener: Listener): () => void {
      return byAccount.add(accountId, listener);
    },

    /** How many waiters there are (for tests and metrics). */
    size(): number {
      return byChat.size() + byAccount.size();
    },
  };
}

export type ChatWatch = ReturnType<typeof createChatWatch>;
