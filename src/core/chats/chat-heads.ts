import type { EventBus, Store } from '../ports.js';
import { ChatState, type Chat, type ChatEvent } from './chat-model.js';

/** Beyond this many live chats the oldest entries go: a missing head only costs a store read. */
const DEFAULT_MAX_ENTRIES = 100_000;

/**
 * How many of a chat's newest events are kept with its head: a poll every 2 s asks for the one or
 * two appended since, and a poll from further back reads the store.
 */
export const RECENT_EVENTS = 16;

/**
 * About how many events all heads keep together (each a small object): with more live chats
 * than this allows 16 each, each keeps fewer, so that 100,000 heads do not hold 1.6 million events.
 */
const DEFAULT_MAX_RECENT_TOTAL = 160_000;

/** A head, and the chat's newest events: consecutive ids up to `chat.nextEventId - 1`, maybe none. */
interface Kept {
  chat: Chat;
  recent: readonly ChatEvent[];
}

/**
 * The newest events once `chat` replaces `kept`, `appended` by the change that made it (none for
 * a store read): added to those kept when they follow them, else only `appended` (a change that
 * came after one this node missed, say), so that a gap is never taken for no events; the newest
 * `limit` of them.
 */
function recentAfter(
  kept: Kept | undefined,
  chat: Chat,
  appended: readonly ChatEvent[],
  limit: number,
): readonly ChatEvent[] {
  const first = appended[0]?.id ?? chat.nextEventId;
  const follows = kept !== undefined && first === kept.chat.nextEventId;
  const recent = follows ? [...kept.recent, ...appended] : appended;
  // Only a run that ends where the chat's events end (as the bus promises) is kept.
  if ((recent.at(-1)?.id ?? chat.nextEventId - 1) !== chat.nextEventId - 1) return [];
  return recent.length > limit ? recent.slice(recent.length - limit) : recent;
}

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
 * - With each head, the chat's newest events the changes carried (up to RECENT_EVENTS, fewer when
 *   so many chats are live that all would keep more than `maxRecentTotal`; without gaps, ending at
 *   the head's last): events never change once appended, so where heads are exact a poll asking
 *   from among them is answered without the store.
 * - Everything goes when the bus resumes after a break (changes may have been missed) and when
 *   another process wrote (the store's external version moved, the CLI removing a user, say);
 *   a store read under way meanwhile is not kept.
 */
export function createChatHeads({
  bus,
  store,
  exact = false,
  maxEntries = DEFAULT_MAX_ENTRIES,
  maxRecentTotal = DEFAULT_MAX_RECENT_TOTAL,
}: {
  bus: EventBus;
  store: Pick<Store, 'externalVersion'>;
  /** Whether a head is the chat as stored (this process hears of every change at once). */
  exact?: boolean;
  maxEntries?: number;
  /** About how many events the heads keep together: each head's share as it is kept. */
  maxRecentTotal?: number;
}) {
  const heads = new Map<string, Kept>();
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

  /**
   * Keeps `chat` unless what is kept is already as new (events only grow); `appended`: the events
   * of the change that made it, none for a store read.
   */
  const keep = (chat: Chat, orEqual: boolean, appended: readonly ChatEvent[] = []) => {
    // What was kept before another process wrote goes first; nothing is kept while unusable.
    if (!isUsable()) return;
    const key = keyOf(chat.accountId, chat.id);
    if (chat.state === ChatState.ENDED) {
      heads.delete(key);
      return;
    }
    const kept = heads.get(key);
    if (
      kept !== undefined &&
      (orEqual ? chat.nextEventId < kept.chat.nextEventId : chat.nextEventId <= kept.chat.nextEventId)
    )
      return;
    // Re-inserted, so that the oldest entries are the first in the map's order.
    heads.delete(key);
    // Each head's share of the total, as many as are kept now: a head kept while there were fewer
    // is cut to its share the next time its chat changes.
    const limit = Math.min(RECENT_EVENTS, Math.floor(maxRecentTotal / (heads.size + 1)));
    heads.set(key, { chat, recent: recentAfter(kept, chat, appended, limit) });
    if (heads.size > maxEntries) {
      const oldest = heads.keys().next().value;
      if (oldest !== undefined) heads.delete(oldest);
    }
  };

  // A change of equal events replaces the head (a change without events, a take-over say): of
  // two such changes from different nodes, the later to arrive wins, which is why, with several
  // nodes, a head is never an answer.
  bus.subscribe('chat.changed', ({ chat, events }) => keep(chat, true, events));
  bus.subscribe('bus.resumed', dropAll);

  /** Reads answered by a head instead of the store. */
  let used = 0;

  return {
    /**
     * What a read from `from` may take instead of the store: the chat's head, and its events from
     * `from` on when this node keeps them all (undefined when some may be missing: `from` is older
     * than the newest events kept). Where heads are exact, for any read; elsewhere only for the
     * first read of a held long-poll (`held`) with nothing at or past `from`, whose wait reads the
     * store if it ends with nothing. `accept` may still refuse the head (a deadline too near, an
     * agent who may not read the chat as it is).
     */
    known(
      accountId: string,
      chatId: string,
      from: number,
      held: boolean,
      accept: (head: Chat) => boolean,
    ): { head: Chat; events: ChatEvent[] | undefined } | undefined {
      if (!exact && !held) return undefined;
      const kept = isUsable() ? heads.get(keyOf(accountId, chatId)) : undefined;
      if (kept === undefined) return undefined;
      const { chat, recent } = kept;
      if ((!exact && from < chat.nextEventId) || !accept(chat)) return undefined;
      used += 1;
      const knownFrom = chat.nextEventId - recent.length;
      return {
        head: chat,
        events: from < knownFrom ? undefined : recent.slice(Math.min(from, chat.nextEventId) - knownFrom),
      };
    },

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
