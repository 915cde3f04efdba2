import { AppError, ErrorCode } from '../errors.js';
import type { Account } from '../model.js';
import type { Clock, Store } from '../ports.js';
import { TOUCH_RESOLUTION_MS } from '../clock.js';
import { requireAccount } from '../accounts/require-account.js';
import {
  changeEventsFrom,
  endedChat,
  isForVisitor,
  isGone,
  line,
  stateEvent,
  visitorDisplayName,
} from './chat-events.js';
import { ChatState, LineSource, type Chat, type ChatEvent, type CommittedChange } from './chat-model.js';
import type { ChangeAnswer, ChatWriter } from './chat-writer.js';
import { keyedRequest } from '../idempotency.js';
import { withCurrentTyping } from './typing.js';
import type { TouchBuffer } from './touch-buffer.js';
import type { ChatHeads } from './chat-heads.js';

/** How many custom variables a chat keeps: the newest. */
const MAX_CUSTOM_VARIABLES = 100;

/** A visitor's post answers the id of the (first) event it appended: the Location of §3.11. */
const eventIdAnswer: ChangeAnswer<number> = {
  of(change) {
    const [event] = change.events;
    if (event === undefined) throw new Error('a posted event was not stored');
    return event.id;
  },
  encode: (eventId) => String(eventId),
  decode: (recorded) => Number(recorded),
};

/** A posted event: a visitor line, or the end of the chat (server-chat §3.11). */
export type PostedEvent = { kind: 'line'; text: string } | { kind: 'end' };

/** A custom variable as kept with the chat (server-chat §3.19). */
export interface CustomVariable {
  name: string;
  value: string;
}

/**
 * What a visitor does with a chat (server-chat §3.9–3.15, §3.19). Every call touches the chat:
 * `lastUpdate`, and the interaction timeout of a live chat (only this API keeps a chat alive,
 * §4.5) or the retention of an ended one.
 */
export function createVisitorChat({
  store,
  clock,
  writer,
  touches,
  heads,
  route,
}: {
  store: Store;
  clock: Clock;
  writer: ChatWriter;
  /** Where requests are recorded when their chat's deadline is far enough off to wait. */
  touches: TouchBuffer;
  /** What the node knows of each live chat, read in place of the store where it may be (chat-heads.ts). */
  heads: ChatHeads;
  /** Re-routes the account once a chat frees an agent's slot. */
  route: (accountId: string) => Promise<void>;
}) {
  const notFound = () => new AppError(ErrorCode.NOT_FOUND, 'Chat not found');
  const notInChat = (message = 'Cannot add line while not in chat') => new AppError(ErrorCode.STATE_CONFLICT, message);

  /**
   * Loads a readable chat and records the visitor's request on it. `holdMs`: the request will wait
   * that long (a long-poll), during which the visitor is present, so the idle deadline moves with it.
   * `known`: the chat's head, taken for the stored chat (its deadlines are never later than the
   * stored ones, so a touch judged on them waits only when the stored one may).
   */
  async function touch(
    accountId: string,
    chatId: string,
    holdMs = 0,
    known?: Chat,
  ): Promise<{ account: Account; chat: Chat }> {
    const account = await requireAccount(store, accountId);
    const now = clock.now();
    const stored = known ?? (await readStored(accountId, chatId));
    if (stored === undefined) throw notFound();
    const chat = touches.applied(stored);
    if (isGone(chat, now)) throw notFound();
    const isLive = chat.state !== ChatState.ENDED;
    const idleDueAt = isLive ? now + holdMs + chat.interactionTimeoutSeconds * 1000 : null;
    const retainUntil = isLive ? null : now + account.settings.endedChatRetentionMinutes * 60_000;
    // Deadlines are seconds away: a request within a second of the last that would not move them
    // by more than that need not be recorded again.
    const isFresh =
      now - chat.lastUpdate < TOUCH_RESOLUTION_MS &&
      (idleDueAt === null || (chat.idleDueAt !== null && idleDueAt - chat.idleDueAt < TOUCH_RESOLUTION_MS)) &&
      (retainUntil === null || (chat.retainUntil !== null && retainUntil - chat.retainUntil < TOUCH_RESOLUTION_MS));
    if (!isFresh) {
      const recorded = { accountId, chatId, at: now, idleDueAt, retainUntil };
      // Judged on the stored deadline, the one the timers (of any node) act on.
      if (touches.isDeferrable(stored, now)) touches.record(recorded);
      else await store.chats.touch([recorded]);
    }
    return {
      account,
      chat: withCurrentTyping(
        {
          ...chat,
          lastUpdate: now,
          idleDueAt: idleDueAt ?? chat.idleDueAt,
          retainUntil: retainUntil ?? chat.retainUntil,
        },
        now,
      ),
    };
  }

  /** The chat as stored, kept as its head for the long-polls that follow. */
  async function readStored(accountId: string, chatId: string): Promise<Chat | undefined> {
    const mark = heads.mark();
    const stored = await store.chats.get(accountId, chatId);
    if (stored !== undefined) heads.remember(stored, mark);
    return stored;
  }

  /**
   * What this node knows of the chat in place of a store read (chat-heads.ts): only while its
   * deadline is far enough off for the touch to wait. `holdMs` > 0: the first read of a held long-poll.
   */
  const knownHead = (accountId: string, chatId: string, from: number, holdMs: number) =>
    heads.known(accountId, chatId, from, holdMs > 0, (head) => touches.isDeferrable(head, clock.now()));

  /** A readable chat, without recording a request. */
  async function load(accountId: string, chatId: string): Promise<{ account: Account; chat: Chat }> {
    const account = await requireAccount(store, accountId);
    const stored = await readStored(accountId, chatId);
    const chat = stored && touches.applied(stored);
    const now = clock.now();
    if (chat === undefined || isGone(chat, now)) throw notFound();
    return { account, chat: withCurrentTyping(chat, now) };
  }

  return {
    touch,

    /**
     * The chat and its visitor-visible events from `from` (ONLY_TO_REP lines never included),
     * from the chat's head and its newest events where this node may use them (`knownHead`).
     */
    async read(
      accountId: string,
      chatId: string,
      from: number,
      holdMs = 0,
      options: { touch?: boolean } = {},
    ): Promise<{ account: Account; chat: Chat; events: ChatEvent[] }> {
      const known = options.touch === false ? undefined : knownHead(accountId, chatId, from, holdMs);
      // Reads a long-poll or a stream repeats do not record the request again.
      const { account, chat } =
        options.touch === false ? await load(accountId, chatId) : await touch(accountId, chatId, holdMs, known?.head);
      // Nothing at or past `from` yet (a poll or a long-poll asking for what comes next): no query.
      const events =
        from >= chat.nextEventId
          ? []
          : (known?.events?.filter(isForVisitor) ??
            (await store.chats.events(accountId, chatId, from, { before: chat.nextEventId })));
      return { account, chat, events };
    },

    /**
     * What a read from `from` would answer (ONLY_TO_REP lines left out), taken from a change the bus
     * carried, without asking the store; undefined when the change cannot tell alone (see
     * `changeEventsFrom`) or the chat is gone.
     */
    readChange(change: CommittedChange, from: number): { chat: Chat; events: ChatEvent[] } | undefined {
      const now = clock.now();
      if (isGone(change.chat, now)) return undefined;
      const events = changeEventsFrom(change, from);
      return events === undefined
        ? undefined
        : { chat: withCurrentTyping(change.chat, now), events: events.filter(isForVisitor) };
    },

    /** One event by id (the Location of a posted event). */
    async event(accountId: string, chatId: string, eventId: number): Promise<ChatEvent> {
      await touch(accountId, chatId);
      const [event] = await store.chats.events(accountId, chatId, eventId);
      if (event === undefined || event.id !== eventId) throw notFound();
      return event;
    },

    /**
     * Adds a visitor line (only while chatting: 400 / 5) or ends the chat; returns the new event id.
     * A retry with the same Idempotency-Key answers the first event id and changes nothing.
     */
    async post(accountId: string, chatId: string, posted: PostedEvent, idempotencyKey?: string): Promise<number> {
      const keyed = keyedRequest(idempotencyKey, { accountId, scope: `visitor:${chatId}` }, 'visitor-event', posted);
      const account = await requireAccount(store, accountId);
      const eventId = await writer.changeOnce(
        accountId,
        chatId,
        keyed,
        (chat, now) => {
          const visitorTouch = {
            lastUpdate: now,
            idleDueAt: now + chat.interactionTimeoutSeconds * 1000,
          };
          if (posted.kind === 'line') {
            if (chat.state !== ChatState.CHATTING) throw notInChat();
            // Visitor text is plain text, never interpreted as HTML (server-chat §3.11).
            return {
              chat: { ...chat, ...visitorTouch, visitorTyping: false },
              events: [line(LineSource.VISITOR, visitorDisplayName(chat), posted.text, now)],
            };
          }
          if (chat.state === ChatState.ENDED) throw notInChat('The chat has already ended');
          return {
            chat: endedChat(chat, account, now),
            events: [stateEvent(ChatState.ENDED, now)],
          };
        },
        eventIdAnswer,
      );
      if (posted.kind === 'end') await route(accountId);
      return eventId;
    },

    /** Sets the visitor's name (waiting or chatting; 400 / 5 once ended, §3.13). */
    async setVisitorName(accountId: string, chatId: string, name: string): Promise<void> {
      await writer.change(accountId, chatId, (chat, now) => {
        if (chat.state === ChatState.ENDED) throw notInChat("Cannot set visitor's name. Chat was ended");
        return {
          chat: {
            ...chat,
            visitorName: name,
            lastUpdate: now,
            idleDueAt: now + chat.interactionTimeoutSeconds * 1000,
          },
          events: [],
        };
      });
    },

    /** Sets typing (only while chatting: the real service refused it while waiting, §3.14). */
    async setVisitorTyping(accountId: string, chatId: string, typing: boolean): Promise<void> {
      await writer.change(accountId, chatId, (chat, now) => {
        // Verbatim what the real service answered, also while waiting (issue #112).
        if (chat.state !== ChatState.CHATTING) throw notInChat("Cannot set visitor's typing status. Chat was ended");
        return {
          chat: {
            ...chat,
            visitorTyping: typing,
            // Each "typing" renews the flag (typing.ts): it lapses unless said again.
            visitorTypingAt: typing ? now : (chat.visitorTypingAt ?? null),
            lastUpdate: now,
            idleDueAt: now + chat.interactionTimeoutSeconds * 1000,
          },
          events: [],
        };
      });
    },

    /** Stores custom variables (deprecated but linked, §3.19): 200, kept with the chat. */
    async setCustomVariables(accountId: string, chatId: string, variables: CustomVariable[]): Promise<void> {
      await writer.change(accountId, chatId, (chat, now) => ({
        chat: {
          ...chat,
          customVariables: [...chat.customVariables, ...variables].slice(-MAX_CUSTOM_VARIABLES),
          lastUpdate: now,
        },
        events: [],
      }));
    },
  };
}

export type VisitorChat = ReturnType<typeof createVisitorChat>;
