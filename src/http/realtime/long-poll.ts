import type { FastifyReply } from 'fastify';
import type { Chat, ChatEvent, CommittedChange } from '../../core/chats/chat-model.js';
import type { ChatWatch } from '../../core/chats/chat-watch.js';
import { heldDeadline, holdRequest } from './held-request.js';

/** A read repeated while a long-poll or stream waits: from a change the bus carried, or the store. */
export interface RepeatedReads {
  /** The store's answer from `from`. */
  read: (from: number) => Promise<{ chat: Chat; events: ChatEvent[] }>;
  /** The same answer taken from a change, or undefined when the change cannot tell alone. */
  readChange: (change: CommittedChange, from: number) => { chat: Chat; events: ChatEvent[] } | undefined;
}

/**
 * Holds a read until it returns at least one event or `waitSeconds` pass. While nothing happens the
 * store is not asked again: the wait is on the chat watch, woken by the bus when the chat changes,
 * and the answer is made from the change the bus carries (the store only when that cannot tell).
 * It also ends when the client goes away (an abandoned long-poll stops waiting at once) and when the
 * server begins to close (it answers with what there is instead of holding the shutdown).
 */
export async function longPoll(options: {
  watch: ChatWatch;
  reply: FastifyReply;
  accountId: string;
  chatId: string;
  from: number;
  waitSeconds: number;
  /**
   * The first read, which records the request. It may come from what the node knew of the chat
   * (core/chats/chat-heads.ts) rather than the store: good to begin waiting on, never the answer
   * of a wait that ends with nothing.
   */
  first: () => Promise<{ chat: Chat; events: ChatEvent[] }>;
  again: RepeatedReads;
}): Promise<{ chat: Chat; events: ChatEvent[] }> {
  const { watch, reply, from, waitSeconds, again } = options;
  if (waitSeconds === 0) return options.first();
  // Listen before the first read, so a change committed between the read and the wait is not missed.
  // `change` undefined: changes may have been missed (the bus resumed), the store tells.
  const changes: { change: CommittedChange | undefined }[] = [];
  const held = holdRequest(reply);
  const unlisten = watch.listen(options.accountId, options.chatId, (change) => {
    changes.push({ change });
    held.wake();
  });
  /** The next wake-up, or undefined once the deadline passes or the wait stops. */
  const nextChange = async (deadline: number): Promise<{ change: CommittedChange | undefined } | undefined> => {
    while (changes.length === 0 && !held.stopped) {
      if (!(await held.until(deadline))) return undefined;
    }
    return held.stopped ? undefined : changes.shift();
  };
  try {
    const deadline = heldDeadline(waitSeconds);
    let result = await options.first();
    // Everything before the cursor has been read: none of it is for this reader.
    let cursor = Math.max(from, result.chat.nextEventId);
    while (result.events.length === 0 && result.chat.state !== 'ended' && !held.stopped) {
      const woken = await nextChange(deadline);
      if (woken === undefined) break;
      const { change } = woken;
      // A change that adds nothing here (a typing flag, one already read) does not answer.
      if (change !== undefined && change.chat.nextEventId <= cursor && change.chat.state !== 'ended') continue;
      result = (change && again.readChange(change, cursor)) ?? (await again.read(from));
      cursor = Math.max(cursor, result.chat.nextEventId);
    }
    // A wait that ends with nothing answers what the store holds now: what the bus never told
    // (a node that died between its commit and its announcement, another process's write) is
    // answered at the end of the wait, not never, and the chat is not as old as the wait.
    return result.events.length === 0 && result.chat.state !== 'ended' ? again.read(from) : result;
  } finally {
    unlisten();
    held.release();
  }
}
