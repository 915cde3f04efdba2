import { AppError, ErrorCode } from '../errors.js';
import { recordAnswer, recordedAnswer, type KeyedRequest } from '../idempotency.js';
import type { Clock, EventBus, Store, Transaction } from '../ports.js';
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
 * and announce once the transaction commits (its after-commit hook; never on rollback). Two writers
 * of one chat never interleave, so event ids have no gaps and no duplicates.
 */
export function createChatWriter({ store, clock, bus }: { store: Store; clock: Clock; bus: EventBus }) {
  const notFound = () => new AppError(ErrorCode.NOT_FOUND, 'Chat not found');

  /** Reads the chat under its lock (404 once gone). */
  async function locked(tx: Store, accountId: string, chatId: string, now: number): Promise<Chat> {
    const current = await tx.chats.get(accountId, chatId, { forUpdate: true });
    if (current === undefined || isGone(current, now)) throw notFound();
    return current;
  }

  /** Publishes the change once `tx` commits: the chat as it is then and the events it appended. */
  function announceOnCommit(tx: Transaction, change: CommittedChange): void {
    tx.afterCommit(() => bus.publish({ type: 'chat.changed', chat: change.chat, events: change.events }));
  }

  async function applyTo(tx: Transaction, current: Chat, now: number, apply: ApplyChange): Promise<CommittedChange> {
    const change = await apply(current, now, tx);
    const numbered = numberEvents(change.chat, change.events);
    await tx.chats.save(numbered.chat, numbered.events, current);
    // A change that handed the chat back as it was, with no events, has nothing to tell anyone.
    if (change.chat !== current || change.events.length > 0) announceOnCommit(tx, numbered);
    return numbered;
  }

  /** Applies a change inside the caller's transaction; it is announced once that commits. */
  async function changeWithin(tx: Transaction, accountId: string, chatId: string, apply: ApplyChange) {
    const now = clock.now();
    return applyTo(tx, await locked(tx, accountId, chatId, now), now, apply);
  }

  /** Stores a new chat with its first events (ids from 0) in the caller's transaction; announced on commit. */
  async function createWithin(tx: Transaction, chat: Chat, events: NewChatEvent[]): Promise<CommittedChange> {
    const numbered = numberEvents(chat, events);
    await tx.chats.create(numbered.chat, numbered.events);
    announceOnCommit(tx, numbered);
    return numbered;
  }

  function change(accountId: string, chatId: string, apply: ApplyChange): Promise<CommittedChange> {
    return store.transaction((tx) => changeWithin(tx, accountId, chatId, apply));
  }

  return {
    changeWithin,
    createWithin,
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
      return store.transaction(async (tx) => {
        const now = clock.now();
        const current = await locked(tx, accountId, chatId, now);
        const recorded = await recordedAnswer(tx, request, now);
        if (recorded !== undefined) return answer.decode(recorded);
        const result = answer.of(await applyTo(tx, current, now, apply));
        await recordAnswer(tx, request, answer.encode(result), now);
        return result;
      });
    },
  };
}

export type ChatWriter = ReturnType<typeof createChatWriter>;
