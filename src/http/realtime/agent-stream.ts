import type { FastifyReply } from 'fastify';
import type { Core } from '../../core/create-core.js';
import type { RingingChat } from '../../core/agents/router.js';
import type { AgentSession, Chat } from '../../core/chats/chat-model.js';
import { openEventStream } from './event-stream.js';

/**
 * A `ring` event's data: the legacy count (a string, as in incomingRequests) and, a Parley addition
 * (docs/LEGACY-QUIRKS.md), what each ringing chat is, oldest first. No chat id: an agent addresses
 * a chat only once accept has handed it over (chat-agent-api §3.9).
 */
const ringData = (chats: RingingChat[]) => ({
  ringingCount: String(chats.length),
  ringing: chats.map(({ skill, visitorName, waitingSince }) => ({ skill, visitorName, waitingSince })),
});

/**
 * An agent session's notifications as Server-Sent Events: `availability` ({chat}), `ring`
 * ({ringingCount, ringing}) whenever what rings here changes, and `chat` ({chatId, href, state})
 * when a chat is assigned to the agent or leaves it. An agent workspace or bot listens here instead
 * of polling incomingRequests every 2 s.
 */
export async function streamAgentSession(options: {
  core: Core;
  reply: FastifyReply;
  session: AgentSession;
  chatHref: (chatId: string) => string;
  keepAliveMs?: number;
}): Promise<void> {
  const { core, reply, session, chatHref } = options;
  const { store, bus } = core.deps;
  const stream = openEventStream(reply, {
    ...(options.keepAliveMs === undefined ? {} : { keepAliveMs: options.keepAliveMs }),
    onKeepAlive: () => {
      core.agents.sessions.keepAlive(session).catch(() => stream.close());
    },
  });
  const held = new Set<string>();
  // Chats ringing here, as last read: a change to one of them, or one starting to ring, reads again.
  const ringing = new Set<string>();
  let lastRing = '';
  const sendRing = (chats: RingingChat[]) => {
    ringing.clear();
    for (const chat of chats) ringing.add(chat.chatId);
    const data = ringData(chats);
    const text = JSON.stringify(data);
    // Most changes to a ringing chat (a line, a survey) change nothing the ring shows.
    if (text === lastRing) return;
    lastRing = text;
    // With the server's time: a client whose clock is off can still tell how long each chat waited.
    stream.send({ event: 'ring', data: { ...data, time: core.deps.clock.now() } });
  };

  // One read at a time; changes that arrive during a read coalesce into one more.
  let isReading = false;
  let isStale = false;
  const reread = () => {
    if (isReading) {
      isStale = true;
      return;
    }
    isReading = true;
    void (async () => {
      try {
        do {
          isStale = false;
          sendRing(await core.agents.router.ringing(session.accountId, session.userId));
        } while (isStale && !stream.closed);
      } catch {
        stream.close();
      } finally {
        isReading = false;
      }
    })();
  };

  const onChange = (chat: Chat) => {
    const isMine = chat.agentUserId === session.userId && chat.state !== 'ended';
    if (isMine && !held.has(chat.id)) {
      held.add(chat.id);
      stream.send({ event: 'chat', data: { chatId: chat.id, href: chatHref(chat.id), state: chat.state } });
    } else if (!isMine && held.delete(chat.id)) {
      stream.send({
        event: 'chat',
        data: { chatId: chat.id, href: chatHref(chat.id), state: chat.state === 'ended' ? 'ended' : 'transferred' },
      });
    }
    // The ring changes when a chat starts or stops ringing here, or one ringing here changes (its
    // visitor's name). Changes to other chats cost nothing.
    if (chat.ringingUserId === session.userId) {
      ringing.add(chat.id);
      reread();
    } else if (ringing.delete(chat.id)) {
      reread();
    }
  };

  // Listen before the first reads, so a change committed meanwhile is not missed: it waits until
  // the opening state has been sent, then goes through the same handler.
  let early: Chat[] | undefined = [];
  const unsubscribeChats = core.chats.watch.listenAccount(session.accountId, ({ chat }) => {
    if (early === undefined) onChange(chat);
    else early.push(chat);
  });
  for (const chat of await store.chats.heldByUser(session.accountId, session.userId)) held.add(chat.id);
  const ringingNow = await core.agents.router.ringing(session.accountId, session.userId);
  stream.send({ event: 'availability', data: { chat: session.availability } });
  sendRing(ringingNow);
  for (const chatId of held)
    stream.send({ event: 'chat', data: { chatId, href: chatHref(chatId), state: 'chatting' } });
  const pending = early;
  early = undefined;
  for (const chat of pending) onChange(chat);

  const unsubscribeAvailability = bus.subscribe('agent.availability', (event) => {
    if (event.sessionId === session.id && event.accountId === session.accountId) {
      stream.send({ event: 'availability', data: { chat: event.availability } });
    }
  });
  const unsubscribe = () => {
    unsubscribeChats();
    unsubscribeAvailability();
  };
  // The client may have gone during the first reads.
  if (stream.closed) unsubscribe();
  else stream.onClose(unsubscribe);
}
