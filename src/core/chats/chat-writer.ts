import { ChatError, ErrorCode } from '../errors.js';
import { recordAnswer, recordedAnswer, type KeyedRequest } from '../idempotency.js';
import type { Clock, EventBus, Store } from '../ports.js';
import { isGone, numberEvents } from './chat-events.js';
import type { Chat, CommittedChange, NewChatEvent } from './chat-model.js';

/** What a change to one chat produces: the chat as it should be stored, and events to append. */
export interface ChatChange {
  chat: Chat;
  events: NewChatEvent[];
}

export type ApplyChange = (chat: Chat, now: number, tx: Store) => ChatChange | Promise<ChatChange>;

/** How a keyed change's answer is taken from the change, and kept until a retry asks again. */
export interface ChangeAnswer<R> {
  of(change: CommittedChange): R;
  encode(result: R): string;
  decode(recorded: string): R;
}

/**
 * The one way chats change: read under a lock, apply, append events with consecutive ids, save,
 * commit, then announce (publish after commit). Two writers of one chat never interleave, so event
 * ids have no gaps and no duplicates.
 */
export function createChatWriter({ store, clock, bus }: { store: Store; clock: Clock; bus: EventBus }) {
  const notFound = () => new ChatError(ErrorCode.NOT_FOUND, 'Chat not found');

  /** Reads the chat under its lock (404 once gone). */
  async function locked(tx: Store, accountId: string, chatId: string, now: number): Promise<Chat> {
    const current = await tx.chats.get(accountId, chatId, { forUpdate: true });
    if (current === undefined || isGone(current, now)) throw notFound();
    return current;
  }

  async function applyTo(tx: Store, current: Chat, now: number, apply: ApplyChange): Promise<CommittedChange> {
    const change = await apply(current, now, tx);
    const numbered = numberEvents(change.chat, change.events);
    await tx.chats.appendEvents(current.accountId, current.id, numbered.events);
    await tx.chats.save(numbered.chat);
    return numbered;
  }

  /** Applies a change inside the caller's transaction; the caller announces after its commit. */
  async function changeWithin(tx: Store, accountId: string, chatId: string, apply: ApplyChange) {
    const now = clock.now();
    return applyTo(tx, await locked(tx, accountId, chatId, now), now, apply);
  }

  /** Publishes a committed change: the chat as it is now and the events the change appended. */
  function announce(change: CommittedChange): void {
    bus.publish({ type: 'chat.changed', chat: change.chat, events: change.events });
  }

  async function change(accountId: string, chatId: string, apply: ApplyChange): Promise<CommittedChange> {
    const result = await store.transaction((tx) => changeWithin(tx, accountId, chatId, apply));
    announce(result);
    return result;
  }

  return {
    changeWithin,
    announce,
    change,

    /**
     * `change` for a request that may carry an Idempotency-Key. Under the chat's lock, in the same
     * transaction, a key already recorded answers with the first answer and changes nothing;
     * otherwise the change and its answer commit together, so that no crash can keep one and lose
     * the other (docs/adr/0009-idempotency-keys.md).
     */
    async changeOnce<R>(
      accountId: string,
      chatId: string,
      request: KeyedRequest | undefined,
      apply: ApplyChange,
      answer: ChangeAnswer<R>,
    ): Promise<R> {
      if (request === undefined) return answer.of(await change(accountId, chatId, apply));
      const outcome = await store.transaction(async (tx) => {
        const now = clock.now();
        const current = await locked(tx, accountId, chatId, now);
        const recorded = await recordedAnswer(tx, request, now);
        if (recorded !== undefined) return { result: answer.decode(recorded), committed: undefined };
        const committed = await applyTo(tx, current, now, apply);
        const result = answer.of(committed);
        await recordAnswer(tx, request, answer.encode(result), now);
        return { result, committed };
      });
      if (outcome.committed !== undefined) announce(outcome.committed);
      return outcome.result;
    },
  };
}

export type ChatWriter = ReturnType<typeof createChatWriter>;
