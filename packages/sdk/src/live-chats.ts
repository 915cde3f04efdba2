import { ParleyError } from './errors.js';
import type { HttpStream } from './http.js';
import { asText, member, parseJson } from './json.js';
import type { Sleep } from './retry.js';
import { parseLiveChat, parseLiveChats, type LiveChat, type LiveChatsUpdate } from './shared-chats.js';
import { isEventStream, readServerSentEvents } from './sse.js';

/** How the live chats list is reached: its resource (held with `wait`) and its stream. */
export interface LiveChatsAccess {
  /** `GET …/liveChats?{query}` as JSON, the request allowed `timeoutMs`. */
  read(query: string, timeoutMs: number, signal: AbortSignal): Promise<unknown>;
  /** `GET …/liveChats?{query}` as a Server-Sent Events stream. */
  open(query: string, signal: AbortSignal): Promise<HttpStream>;
  sleep: Sleep;
  now: () => number;
}

/** How the list is followed. */
export interface LiveChatsFeedOptions {
  /** Only the chats of this skill (id or name). */
  skill?: string;
  /** `auto` (default): the stream, else long-polls with `seen`; `long-poll` never streams. */
  transport?: 'auto' | 'long-poll';
  /** How long a long-poll is held (default 25 s; the server holds up to 60). */
  waitSeconds?: number;
  /** The pause after a stream that closed with nothing, or an answer that came back at once unchanged. */
  pollIntervalMs?: number;
  /** A stream silent this long is reconnected (default 45 s; the server comments every 15 s). */
  heartbeatTimeoutMs?: number;
  signal: AbortSignal;
}

/** Answers that mean "this server does not stream the list" rather than "this request is wrong". */
const NO_STREAM = new Set([404, 405, 406, 415, 501]);

/** One entry from a stream message: the entry itself, or wrapped as `{"chat": …}`. */
const entryOf = (data: unknown): LiveChat | undefined => parseLiveChat(member(data, 'chat') ?? data);

/**
 * The live chats as they change: the whole list first (`synced`), then each entry added or changed
 * (`chat`) and each chat gone (`gone`); after a reconnect, the whole list again. Over the stream the
 * server describes the changes; over long-polls they are worked out by comparing the lists.
 */
export async function* followLiveChats(
  access: LiveChatsAccess,
  options: LiveChatsFeedOptions,
): AsyncGenerator<LiveChatsUpdate, void, undefined> {
  const { signal } = options;
  const skillQuery = options.skill === undefined ? '' : `skill=${encodeURIComponent(options.skill)}`;
  const waitSeconds = options.waitSeconds ?? 25;
  const pollIntervalMs = options.pollIntervalMs ?? 2_000;
  let mode: 'sse' | 'long-poll' = options.transport === 'long-poll' ? 'long-poll' : 'sse';
  // Long-polls: the list last yielded, by chat id, as JSON to compare entries.
  let known: Map<string, string> | undefined;
  let seen: string | undefined;
  try {
    for (;;) {
      if (mode === 'sse') {
        let stream: HttpStream;
        try {
          stream = await access.open(skillQuery, signal);
        } catch (error) {
          if (!(error instanceof ParleyError) || !NO_STREAM.has(error.status)) throw error;
          mode = 'long-poll';
          continue;
        }
        const body = stream.response.body;
        if (!isEventStream(stream.response) || body === null) {
          stream.close();
          mode = 'long-poll';
          continue;
        }
        // Entries before `synced` make up the list; afterwards each is a change.
        let pending: Map<string, LiveChat> | undefined = new Map();
        let delivered = 0;
        try {
          for await (const message of readServerSentEvents(body, {
            idleTimeoutMs: options.heartbeatTimeoutMs ?? 45_000,
            onIdle: stream.close,
          })) {
            const data = parseJson(message.data);
            if (message.event === 'chat') {
              const chat = entryOf(data);
              if (chat === undefined) continue;
              if (pending !== undefined) pending.set(chat.chatId, chat);
              else yield { type: 'chat', chat };
            } else if (message.event === 'gone') {
              const chatId = asText(member(data, 'chatId'));
              if (chatId === undefined) continue;
              if (pending !== undefined) pending.delete(chatId);
              else yield { type: 'gone', chatId };
            } else if (message.event === 'synced' && pending !== undefined) {
              const chats = [...pending.values()];
              pending = undefined;
              delivered += 1;
              yield { type: 'synced', chats };
            }
          }
        } catch {
          // A dropped connection: reconnect below; the list comes again in full.
          if (signal.aborted) return;
        } finally {
          stream.close();
        }
        // A stream that closes before its list is whole is not streaming: do not hammer the server.
        if (delivered === 0) await access.sleep(pollIntervalMs, signal);
        continue;
      }

      const started = access.now();
      const query = [skillQuery, seen === undefined ? '' : `seen=${encodeURIComponent(seen)}&wait=${waitSeconds}`]
        .filter((part) => part !== '')
        .join('&');
      const page = parseLiveChats(await access.read(query, waitSeconds * 1_000 + 10_000, signal));
      const current = new Map(page.chats.map((chat) => [chat.chatId, JSON.stringify(chat)]));
      let changes = 0;
      if (known === undefined) {
        yield { type: 'synced', chats: page.chats };
        changes += 1;
      } else {
        for (const chat of page.chats) {
          if (known.get(chat.chatId) === current.get(chat.chatId)) continue;
          changes += 1;
          yield { type: 'chat', chat };
        }
        for (const chatId of known.keys()) {
          if (current.has(chatId)) continue;
          changes += 1;
          yield { type: 'gone', chatId };
        }
      }
      known = current;
      seen = page.version;
      // Without a version, or answered at once with nothing new, the server does not hold requests.
      const isQuick = access.now() - started < (waitSeconds * 1_000) / 2;
      if (seen === undefined || (changes === 0 && isQuick)) await access.sleep(pollIntervalMs, signal);
    }
  } catch (error) {
    if (signal.aborted) return;
    throw error;
  }
}
