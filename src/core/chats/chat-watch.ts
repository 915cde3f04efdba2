import type { DomainEvent, EventBus } from '../ports.js';

type ChatChanged = Extract<DomainEvent, { type: 'chat.changed' }>;
type Listener = (event: ChatChanged) => void;

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
    notify(key: string, event: ChatChanged): void {
      for (const listener of table.get(key) ?? []) listener(event);
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
 * waiter; a change reaches only the waiters of its chat, and the agent streams of its account.
 */
export function createChatWatch(bus: EventBus) {
  const byChat = listenerTable();
  const byAccount = listenerTable();
  const key = (accountId: string, chatId: string) => `${accountId}\u0000${chatId}`;

  bus.subscribe('chat.changed', (event) => {
    byChat.notify(key(event.accountId, event.chatId), event);
    byAccount.notify(event.accountId, event);
  });

  function listen(accountId: string, chatId: string, listener: Listener): () => void {
    return byChat.add(key(accountId, chatId), listener);
  }

  return {
    listen,

    /** Every change to a chat of the account (an agent session's stream of rings and assignments). */
    listenAccount(accountId: string, listener: Listener): () => void {
      return byAccount.add(accountId, listener);
    },

    /**
     * Resolves true once the chat has events past `nextEventId` (or has ended), false when
     * `timeoutMs` passes or `signal` aborts first.
     */
    waitForEvents(
      accountId: string,
      chatId: string,
      nextEventId: number,
      timeoutMs: number,
      signal?: AbortSignal,
    ): Promise<boolean> {
      return new Promise((resolve) => {
        if (signal?.aborted === true) return resolve(false);
        let stop: () => void = () => undefined;
        const finish = (result: boolean) => {
          stop();
          resolve(result);
        };
        const timer = setTimeout(() => finish(false), timeoutMs);
        const unlisten = listen(accountId, chatId, (event) => {
          if (event.nextEventId > nextEventId || event.state === 'ended') finish(true);
        });
        const onAbort = () => finish(false);
        signal?.addEventListener('abort', onAbort, { once: true });
        stop = () => {
          clearTimeout(timer);
          unlisten();
          signal?.removeEventListener('abort', onAbort);
        };
      });
    },

    /** How many waiters there are (for tests and metrics). */
    size(): number {
      return byChat.size() + byAccount.size();
    },
  };
}

export type ChatWatch = ReturnType<typeof createChatWatch>;
