import { ParleyError } from './errors.js';
import { linkSignal, type HttpStream } from './http.js';
import { asNumber, asText, fromOfHref, linkHref, listOf, member, parseJson } from './json.js';
import type { Sleep } from './retry.js';
import { isEventStream, readServerSentEvents } from './sse.js';

/** A value of a known set, or another string a newer server may send. */
type Open<T extends string> = T | (string & Record<never, never>);

/**
 * One event of a chat, as both APIs list it (chat-agent-api §3.14, server-chat §4.2), with typed
 * values: `id` and `systemMessageId` are numbers whatever the wire said.
 */
export interface ChatEvent {
  /**
   * Sequential within the chat, from 0. The visitor does not see agent-only lines or participant
   * events, so it sees gaps.
   */
  id: number;
  /** `participant` events (a Parley addition) reach agents only: who joined, left, was invited. */
  type: 'state' | 'line' | 'participant';
  /** ISO-8601 with milliseconds and offset. */
  time: string;
  /** State events: the chat's new state. */
  state?: Open<'waiting' | 'chatting' | 'ended'>;
  /** Lines: the text (HTML markup when `textType` is `html`). */
  text?: string;
  textType?: Open<'plain' | 'html' | 'rich-content'>;
  /** Lines: who wrote it as shown (`info` for system lines, the agent's nickname, the visitor's name). */
  by?: string;
  /** Lines: who wrote it, the value to switch on. */
  source?: Open<'system' | 'agent' | 'visitor'>;
  /** System lines: the message number (chat-agent-api §4: 3 accepted, 5 agent ended, 15 transferred, …). */
  systemMessageId?: number;
  /** Lines: `ONLY_TO_REP` for agent-only lines (transfer notes), else `REGULAR`. */
  subType?: Open<'REGULAR' | 'ONLY_TO_REP'>;
  /** Rich-content lines: the structured content. */
  json?: unknown;
  /** Lines posted by a participant of a shared chat: its role (agents only see these fields). */
  participantRole?: Open<'listener' | 'assistant'>;
  /** Participant lines and participant events: the agent's user id. */
  agentId?: number;
  /** Agent-only lines that are suggestions: the reply the holder may take (the text is the tip). */
  suggestedReply?: string;
  /** Participant events: what changed. */
  action?: Open<'joined' | 'left' | 'role' | 'invited' | 'declined' | 'withdrawn' | 'tookOver'>;
  /** Participant events: the participant's role (for `invited`, the role it is invited to). */
  role?: Open<'listener' | 'assistant'>;
  /** Participant events: the agent's nickname (empty for an invitation to a skill). */
  agentName?: string;
  /** Participant events about an invitation: its id. */
  invitationId?: string;
  /** Participant events about an invitation to a skill: the skill's id. */
  skillId?: number;
}

const EVENT_TYPES = new Set(['state', 'line', 'participant']);

/** The id of a wire event (`@id`), whatever its type. */
const wireId = (value: unknown): number | undefined => asNumber(member(value, '@id') ?? member(value, 'id'));

/** A wire event as a ChatEvent; undefined for types other than `state`, `line` and `participant`. */
export function parseChatEvent(value: unknown): ChatEvent | undefined {
  const id = wireId(value);
  const type = asText(member(value, '@type') ?? member(value, 'type'));
  if (id === undefined || type === undefined || !EVENT_TYPES.has(type)) return undefined;
  const event: ChatEvent = { id, type: type as ChatEvent['type'], time: asText(member(value, 'time')) ?? '' };
  const text = (key: string) => asText(member(value, key));
  const state = text('state');
  if (state !== undefined) event.state = state;
  const line = text('text');
  if (line !== undefined) event.text = line;
  const textType = text('textType');
  if (textType !== undefined) event.textType = textType;
  const by = text('by');
  if (by !== undefined) event.by = by;
  const source = text('source');
  if (source !== undefined) event.source = source;
  const systemMessageId = asNumber(member(value, 'systemMessageId'));
  if (systemMessageId !== undefined) event.systemMessageId = systemMessageId;
  const subType = text('subType');
  if (subType !== undefined) event.subType = subType;
  const json = member(value, 'json');
  if (json !== undefined) event.json = json;
  // Shared chats (a Parley addition); empty strings stand for "none", as elsewhere in the API.
  const participantRole = text('participantRole');
  if (participantRole !== undefined && participantRole !== '') event.participantRole = participantRole;
  const agentId = asNumber(member(value, 'agentId'));
  if (agentId !== undefined) event.agentId = agentId;
  const suggestedReply = text('suggestedReply');
  if (suggestedReply !== undefined && suggestedReply !== '') event.suggestedReply = suggestedReply;
  const action = text('action');
  if (action !== undefined) event.action = action;
  const role = text('role');
  if (role !== undefined && role !== '') event.role = role;
  const agentName = text('agentName');
  if (agentName !== undefined) event.agentName = agentName;
  const invitationId = text('invitationId');
  if (invitationId !== undefined && invitationId !== '') event.invitationId = invitationId;
  const skillId = asNumber(member(value, 'skillId'));
  if (skillId !== undefined) event.skillId = skillId;
  return event;
}

/** Whether an event ends the chat: nothing follows it. */
export const isEndOfChat = (event: ChatEvent): boolean => event.type === 'state' && event.state === 'ended';

/** How `events()` gets a chat's events. */
export interface EventFeedOptions {
  /** The first event id wanted (default 0: the whole chat from its first event). */
  from?: number;
  /**
   * `auto` (default): Server-Sent Events, falling back to long-polls (`wait=S`) when the server does
   * not stream, and to plain polls of the `next` link when it does not hold requests either.
   */
  transport?: 'auto' | 'sse' | 'long-poll' | 'poll';
  /** How long a long-poll is held (default 25 s). */
  waitSeconds?: number;
  /** The pause between plain polls that brought nothing (default 2 s, the sample bot's cadence). */
  pollIntervalMs?: number;
  /** A stream silent this long is reconnected (default 45 s; the server comments every 15 s). */
  heartbeatTimeoutMs?: number;
  /** Stops the iteration (it then ends without an error). */
  signal?: AbortSignal;
}

/** What the feed needs from a chat: its stream and its chat resource. */
export interface ChatEventSource {
  /** Opens the chat's events as a stream from `from` (the answer may still be JSON). */
  openStream(from: number, signal: AbortSignal): Promise<HttpStream>;
  /** The chat resource from `from`, held up to `waitSeconds` (0: answer at once). */
  read(from: number, waitSeconds: number, signal: AbortSignal): Promise<unknown>;
  sleep: Sleep;
  now: () => number;
}

/** How a chat resource is reached on either API: requests and streams on paths under its root. */
export interface ChatResourceAccess {
  readonly http: { readonly sleep: Sleep; readonly now: () => number };
  send(
    method: 'GET',
    path: string,
    options: { query: string; timeoutMs: number; signal: AbortSignal },
  ): Promise<{ body: unknown }>;
  open(
    path: string,
    options: { query: string; headers: Record<string, string>; signal: AbortSignal },
  ): Promise<HttpStream>;
}

/** The ChatEventSource of the chat resource at `path` (`/chat/{id}`), the same on both APIs. */
export function chatEventSource(access: ChatResourceAccess, path: string): ChatEventSource {
  return {
    openStream: (from, signal) =>
      access.open(`${path}/events`, {
        query: `from=${from}`,
        // Either says where to resume; Last-Event-ID is the standard one (WHATWG HTML §9.2).
        headers: from > 0 ? { 'last-event-id': String(from - 1) } : {},
        signal,
      }),
    read: async (from, waitSeconds, signal) =>
      (
        await access.send('GET', path, {
          query: waitSeconds > 0 ? `from=${from}&wait=${waitSeconds}` : `from=${from}`,
          timeoutMs: waitSeconds * 1_000 + 10_000,
          signal,
        })
      ).body,
    sleep: access.http.sleep,
    now: access.http.now,
  };
}

/** The events, next link and state of a chat resource or events resource body. */
function readPage(body: unknown): { events: unknown[]; next: number | undefined; state: string | undefined } {
  const chat = member(body, 'chat');
  const events = member(chat, 'events') ?? member(body, 'events');
  return {
    events: listOf(member(events, 'event')),
    next: fromOfHref(linkHref(member(events, 'link'), 'next')),
    state: asText(member(member(chat, 'info'), 'state')),
  };
}

/** The state, line and participant events of a chat resource or events resource body, in order. */
export function chatEventsOf(body: unknown): ChatEvent[] {
  return readPage(body).events.flatMap((raw) => {
    const event = parseChatEvent(raw);
    return event === undefined ? [] : [event];
  });
}

/** Statuses that mean "this server does not stream" rather than "this request is wrong". */
const NO_STREAMING = new Set([406, 415, 501]);

/**
 * Every event of a chat from `from`, then live, until the chat ends: over Server-Sent Events when
 * the server streams (resuming with `Last-Event-ID` after a dropped connection), else long-polls,
 * else polls. The last delivered id is the cursor, so no event is lost or delivered twice.
 */
export async function* followChatEvents(
  source: ChatEventSource,
  options: EventFeedOptions = {},
): AsyncGenerator<ChatEvent, void, undefined> {
  const transport = options.transport ?? 'auto';
  const waitSeconds = options.waitSeconds ?? 25;
  const pollIntervalMs = options.pollIntervalMs ?? 2_000;
  const heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? 45_000;
  const controller = new AbortController();
  const unlink = linkSignal(options.signal, controller);
  const signal = controller.signal;
  let mode: 'sse' | 'long-poll' | 'poll' = transport === 'auto' ? 'sse' : transport;
  let next = options.from ?? 0;

  /** The event to deliver, or undefined for one already delivered or of another type. */
  const take = (raw: unknown): ChatEvent | undefined => {
    const id = wireId(raw);
    if (id === undefined || id < next) return undefined;
    next = id + 1;
    return parseChatEvent(raw);
  };
  /** The events of a page not delivered yet, the cursor moved past them. */
  const fresh = (raws: unknown[]): ChatEvent[] =>
    raws.flatMap((raw) => {
      const event = take(raw);
      return event === undefined ? [] : [event];
    });

  try {
    for (;;) {
      if (mode === 'sse') {
        let stream: HttpStream;
        try {
          stream = await source.openStream(next, signal);
        } catch (error) {
          if (transport === 'auto' && error instanceof ParleyError && NO_STREAMING.has(error.status)) {
            mode = 'long-poll';
            continue;
          }
          throw error;
        }
        const body = stream.response.body;
        if (!isEventStream(stream.response) || body === null) {
          // The server ignored `Accept: text/event-stream`: this is the legacy JSON; it does not stream.
          const page = readPage(parseJson(await stream.response.text().finally(stream.close)));
          for (const event of fresh(page.events)) {
            yield event;
            if (isEndOfChat(event)) return;
          }
          mode = 'long-poll';
          continue;
        }
        let delivered = 0;
        try {
          for await (const message of readServerSentEvents(body, {
            idleTimeoutMs: heartbeatTimeoutMs,
            onIdle: stream.close,
          })) {
            const event = take(parseJson(message.data));
            if (event === undefined) continue;
            delivered += 1;
            yield event;
            if (isEndOfChat(event)) return;
          }
        } catch {
          // A dropped connection: reconnect below, after the last delivered event.
          if (signal.aborted) return;
        } finally {
          stream.close();
        }
        if (delivered > 0) continue;
        // Closed with nothing new: ask the chat itself (it may have ended, or refuse us now).
        const page = readPage(await source.read(next, 0, signal));
        const events = fresh(page.events);
        for (const event of events) {
          yield event;
          if (isEndOfChat(event)) return;
        }
        if (page.state === 'ended') return;
        if (events.length === 0) await source.sleep(pollIntervalMs, signal);
        continue;
      }

      const started = source.now();
      let body: unknown;
      try {
        body = await source.read(next, mode === 'long-poll' ? waitSeconds : 0, signal);
      } catch (error) {
        // A server without long-polls may refuse `wait`; plain polls still work.
        if (mode === 'long-poll' && transport === 'auto' && error instanceof ParleyError && error.status === 400) {
          mode = 'poll';
          continue;
        }
        throw error;
      }
      const page = readPage(body);
      const events = fresh(page.events);
      for (const event of events) {
        yield event;
        if (isEndOfChat(event)) return;
      }
      // The next link moves past events this reader may not see (agent-only lines, for a visitor).
      if (page.next !== undefined && page.next > next) next = page.next;
      if (page.state === 'ended') return;
      // An empty answer long before the wait was over: the server does not hold requests.
      const isQuick = source.now() - started < (waitSeconds * 1_000) / 2;
      if (events.length === 0 && (mode === 'poll' || isQuick)) await source.sleep(pollIntervalMs, signal);
    }
  } catch (error) {
    if (signal.aborted) return;
    throw error;
  } finally {
    unlink();
    controller.abort();
  }
}
