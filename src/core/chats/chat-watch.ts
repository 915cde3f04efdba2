import type { DomainEvent, EventBus } from '../ports.js';

type ChatChanged = Extract<DomainEvent, { type: 'chat.changed' }>;
type Listener = (event: ChatChanged) => void;

/**
 * Who is waiting for which chat, kept in memory: long-polls and streams wait here for the bus to
 * announce a change instead of asking the store again and again. One bus subscription serves every
 * waiter; a change reaches only the waiters of its chat.
 */
export function createChatWatch(bus: EventBus) {
  const listeners = new Map<string, Set<Listener>>();
  const key = (accountId: string, chatId: string) => `${accountId}\u0000${chatId}`;

  bus.subscribe('chat.changed', (event) => {
    for (const listener of listeners.get(key(event.accountId, event.chatId)) ?? []) listener(event);
  });

  function listen(accountId: string, chatId: string, listener: Listener): () => void {
    const k = key(accountId, chatId);
    const set = listeners.get(k) ?? new Set<Listener>();
    listeners.set(k, set);
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) listeners.delete(k);
    };
  }

  return {
    listen,

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
      let count = 0;
      for (const set of listeners.values()) count += set.size;
      return count;
    },
  };
}

export type ChatWatch = ReturnType<typeof createChatWatch>;
