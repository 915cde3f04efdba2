import type { FastifyReply } from 'fastify';
import type { AgentSession, Chat } from '../../core/chats/chat-model.js';
import type { Core } from '../../core/create-core.js';
import { liveChatOf, liveChatsVersion, type LiveChat } from '../../core/sharing/live-chats.js';
import { openEventStream } from './event-stream.js';
import { heldDeadline, holdRequest } from './held-request.js';

/** What the live-chats resources read: the session, its scope, and how an entry is rendered. */
export interface LiveChatsRead {
  core: Core;
  session: AgentSession;
  includes: (chat: Chat) => boolean;
}

/** The list as it is now, with its version. */
export async function readLiveChats({ core, session, includes }: LiveChatsRead) {
  const chats = (await core.agents.sharing.liveChats(session, includes)).map((chat) => liveChatOf(chat, session.id));
  return { chats, version: liveChatsVersion(chats) };
}

/**
 * A long-poll of the list: answered at once unless `seen` names the version the client has, then
 * held until the list differs from it, `waitSeconds` pass, the client goes or the server closes.
 * After one read the list follows the changes the bus carries (the chats as committed), so a
 * supervisor's poll costs no store read per line of the account's chats; a change between two polls
 * is never missed, as the next poll's version differs.
 */
export async function holdLiveChats(
  options: LiveChatsRead & { reply: FastifyReply; seen: string | undefined; waitSeconds: number },
): Promise<{ chats: LiveChat[]; version: string }> {
  const { core, reply, session, includes, seen, waitSeconds } = options;
  if (seen === undefined || waitSeconds === 0) return readLiveChats(options);
  // In the store's order; a chat that starts later is the newest, so it goes last.
  const entries = new Map<string, LiveChat>();
  const apply = (chat: Chat) => {
    if (includes(chat)) entries.set(chat.id, liveChatOf(chat, session.id));
    else entries.delete(chat.id);
  };
  const held = holdRequest(reply);
  // A held poll of the session is a connection of it (agent-presence.ts).
  const release = core.agents.presence.connected(session);
  // Listen before the read; changes committed meanwhile are applied once it is in. A wake-up with
  // no change (the bus resumed after a break: changes may have been missed) reads again.
  let early: Chat[] | undefined = [];
  let isStale = false;
  const unlisten = core.chats.watch.listenAccount(session.accountId, (change) => {
    if (change === undefined) isStale = true;
    else if (early !== undefined) early.push(change.chat);
    else apply(change.chat);
    held.wake();
  });
  const load = async () => {
    isStale = false;
    early = [];
    try {
      const chats = await core.agents.sharing.liveChats(session, includes);
      entries.clear();
      for (const chat of chats) apply(chat);
      for (const chat of early) apply(chat);
    } finally {
      early = undefined;
    }
  };
  const current = () => {
    const chats = [...entries.values()];
    return { chats, version: liveChatsVersion(chats) };
  };
  try {
    await load();
    const deadline = heldDeadline(waitSeconds);
    let result = current();
    while (result.version === seen && (isStale || (await held.until(deadline)))) {
      if (isStale) await load();
      result = current();
    }
    return result;
  } finally {
    unlisten();
    held.release();
    release({ serverClosing: reply.server.closing.isClosing });
  }
}

/**
 * The list as Server-Sent Events: `chat` for each entry, `synced` ({count}) once all are sent, then
 * `chat` when an entry changes and `gone` ({chatId}) when a chat ends or leaves the scope. After the
 * first read every change is told from what the bus carries (the chat as committed), in commit
 * order, without asking the store.
 */
export async function streamLiveChats(
  options: LiveChatsRead & {
    reply: FastifyReply;
    present: (chat: LiveChat) => Record<string, unknown>;
    keepAliveMs?: number;
  },
): Promise<void> {
  const { core, reply, session, includes, present } = options;
  const stream = openEventStream(reply, {
    ...(options.keepAliveMs === undefined ? {} : { keepAliveMs: options.keepAliveMs }),
    onKeepAlive: () => {
      core.agents.sessions.keepAlive(session).catch(() => stream.close());
    },
  });
  // What the client was last told of each chat in the list.
  const told = new Map<string, string>();
  const tell = (chat: Chat) => {
    if (includes(chat)) {
      const entry = liveChatOf(chat, session.id);
      const shown = JSON.stringify(entry);
      if (told.get(chat.id) === shown) return;
      told.set(chat.id, shown);
      stream.send({ event: 'chat', data: present(entry) });
    } else if (told.delete(chat.id)) {
      stream.send({ event: 'gone', data: { chatId: chat.id } });
    }
  };
  // Changes committed during a read of the list wait until it has been told, then go through
  // `tell`. A wake-up with no change (the bus resumed after a break: changes may have been missed)
  // reads the list again, one read at a time.
  let early: Chat[] | undefined = [];
  let isStale = false;
  let sync: Promise<void> | undefined;
  const unlisten = core.chats.watch.listenAccount(session.accountId, (change) => {
    if (change === undefined) {
      isStale = true;
      // A read in progress (the first, or a resync's) reads again once it is done.
      if (early === undefined) sync ??= resync();
    } else if (early === undefined) tell(change.chat);
    else early.push(change.chat);
  });
  stream.onClose(unlisten);
  const release = core.agents.presence.connected(session);
  stream.onClose(() => release({ serverClosing: reply.server.closing.isClosing }));

  /** Tells the list as the store has it: each entry that differs, and `gone` for those that left. */
  const read = async () => {
    early = [];
    try {
      const chats = await core.agents.sharing.liveChats(session, includes);
      const listed = new Set<string>();
      for (const chat of chats) {
        tell(chat);
        if (includes(chat)) listed.add(chat.id);
      }
      for (const chatId of [...told.keys()]) {
        if (listed.has(chatId)) continue;
        told.delete(chatId);
        stream.send({ event: 'gone', data: { chatId } });
      }
      const pending: Chat[] = early;
      early = undefined;
      for (const chat of pending) tell(chat);
    } finally {
      early = undefined;
    }
  };
  const resync = async (): Promise<void> => {
    try {
      while (isStale && !stream.closed) {
        isStale = false;
        await read();
      }
    } catch {
      stream.close();
    } finally {
      sync = undefined;
    }
  };

  try {
    await read();
    stream.send({ event: 'synced', data: { count: told.size } });
  } catch {
    stream.close();
    return;
  }
  if (isStale) sync ??= resync();
}
