import type { EventBus, Store } from '../ports.js';
import { ChatState, type Chat } from './chat-model.js';

/** Beyond this many live chats the oldest entries go: a missing head only costs a store read. */
const DEFAULT_MAX_ENTRIES = 100_000;

const keyOf = (accountId: string, chatId: string) => `${accountId}\u0000${chatId}`;

/**
 * The newest state this node knows of each live chat, kept from the changes the bus carries (its
 * own and every other node's) and from the store reads that miss it: what lets a held long-poll
 * begin to wait without reading the store first (docs/adr/0013-chat-heads.md).
 *
 * With nodes that share Redis a head may lag the store: a change committed elsewhere can still be
 * on its way. So it is then only used to decide that a long-poll, already listening on the chat
 * watch, has nothing to answer yet: a change it has not seen wakes that long-poll when it arrives,
 * and a long-poll that ends with nothing reads the store before it answers. Only where this
 * process hears of every change when it is committed (`exact`: one SQLite node) does a head
 * answer a poll with nothing new.
 *
 * What it keeps:
 * - Events only grow, so a head never goes back to a smaller `nextEventId`, however the nodes'
 *   messages interleave; an ended chat is dropped (ended chats are read from the store).
 * - Everything goes when the bus resumes after a break (changes may have been missed) and when
 *   another process wrote (the store's external version moved, the CLI removing a user, say);
 *   a store read under way meanwhile is not kept.
 */
export function createChatHeads({
  bus,
  store,
  exact = false,
  maxEntries = DEFAULT_MAX_ENTRIES,
}: {
  bus: EventBus;
  store: Pick<Store, 'externalVersion'>;
  /** Whether a head is the chat as stored (this process hears of every change at once). */
  exact?: boolean;
  maxEntries?: number;
}) {
  const heads = new Map<string, Chat>();
  /** Moves whenever everything is dropped, so that a read begun before is not kept. */
  let generation = 0;
  let seenVersion: number | undefined;

  const dropAll = () => {
    heads.clear();
    generation += 1;
  };

  /** Whether heads may be used and kept now: the store tells other processes' writes. */
  const isUsable = (): boolean => {
    const version = store.externalVersion();
    if (version === undefined || version !== seenVersion) {
      if (heads.size > 0 || version === undefined) dropAll();
      seenVersion = version;
    }
    return version !== undefined;
  };

  /** Keeps `chat` unless what is kept is already as new (events only grow). */
  const keep = (chat: Chat, orEqual: boolean) => {
    // What was kept before another process wrote goes first; nothing is kept while unusable.
    if (!isUsable()) return;
    const key = keyOf(chat.accountId, chat.id);
    if (chat.state === ChatState.ENDED) {
      heads.delete(key);
      return;
    }
    const kept = heads.get(key);
    if (kept !== undefined && (orEqual ? chat.nextEventId < kept.nextEventId : chat.nextEventId <= kept.nextEventId))
      return;
    // Re-inserted, so that the oldest entries are the first in the map's order.
    heads.delete(key);
    heads.set(key, chat);
    if (heads.size > maxEntries) {
      const oldest = heads.keys().next().value;
      if (oldest !== undefined) heads.delete(oldest);
    }
  };

  // A change of equal events replaces the head (a change without events, a take-over say): of
  // two such changes from different nodes, the later to arrive wins, which is why a head is never
  // an answer.
  bus.subscribe('chat.changed', ({ chat }) => keep(chat, true));
  bus.subscribe('bus.resumed', dropAll);

  /** Reads answered by a head instead of the store. */
  let used = 0;

  return {
    /**
     * The chat's head in place of a store read, if this node knows one it may use now and
     * `accept` takes it.
     */
    use(accountId: string, chatId: string, accept: (head: Chat) => boolean): Chat | undefined {
      const head = isUsable() ? heads.get(keyOf(accountId, chatId)) : undefined;
      if (head === undefined || !accept(head)) return undefined;
      used += 1;
      return head;
    },

    /**
     * Whether a head is the chat as stored, up to this node's unwritten touches: this process hears
     * of every change when it is committed (one SQLite node), and a poll may be answered from it.
     */
    exact,

    /** How many reads a head answered (for tests and metrics). */
    get used(): number {
      return used;
    },

    /** A mark to take before reading the store, for `remember`. */
    mark(): number {
      return isUsable() ? generation : -1;
    },

    /**
     * Keeps a chat read from the store, begun at `mark`: not if everything was dropped meanwhile,
     * nor over a head the bus brought that is at least as new.
     */
    remember(chat: Chat, mark: number): void {
      if (isUsable() && mark === generation) keep(chat, false);
    },

    /** How many heads are kept (for tests and metrics). */
    get size(): number {
      return heads.size;
    },
  };
}

export type ChatHeads = ReturnType<typeof createChatHeads>;
