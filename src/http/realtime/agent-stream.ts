import type { FastifyReply } from 'fastify';
import type { Core } from '../../core/create-core.js';
import type { AgentSession } from '../../core/chats/chat-model.js';
import { openEventStream } from './event-stream.js';

/**
 * An agent session's notifications as Server-Sent Events: `availability` ({chat}), `ring`
 * ({ringingCount}, a string as in incomingRequests) whenever the count changes, and `chat`
 * ({chatId, href, state}) when a chat is assigned to the agent or leaves it. An agent workspace or
 * bot listens here instead of polling incomingRequests every 2 s.
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
  const held = new Set((await store.chats.heldByUser(session.accountId, session.userId)).map((chat) => chat.id));
  // Chats ringing here already: each must lower the count when it stops ringing.
  const ringing = new Set(
    (await store.chats.listByState(session.accountId, 'waiting'))
      .filter((chat) => chat.ringingUserId === session.userId)
      .map((chat) => chat.id),
  );
  let ringingCount = ringing.size;
  stream.send({ event: 'availability', data: { chat: session.availability } });
  stream.send({ event: 'ring', data: { ringingCount: String(ringingCount) } });
  for (const chatId of held)
    stream.send({ event: 'chat', data: { chatId, href: chatHref(chatId), state: 'chatting' } });

  let counting: Promise<void> = Promise.resolve();
  const recount = () => {
    counting = counting
      .then(async () => {
        const count = await core.agents.router.ringingCount(session.accountId, session.userId);
        if (count !== ringingCount) {
          ringingCount = count;
          stream.send({ event: 'ring', data: { ringingCount: String(count) } });
        }
      })
      .catch(() => stream.close());
  };

  const unsubscribeChats = bus.subscribe('chat.changed', (event) => {
    if (event.accountId !== session.accountId) return;
    const isMine = event.agentUserId === session.userId && event.state !== 'ended';
    if (isMine && !held.has(event.chatId)) {
      held.add(event.chatId);
      stream.send({ event: 'chat', data: { chatId: event.chatId, href: chatHref(event.chatId), state: event.state } });
    } else if (!isMine && held.delete(event.chatId)) {
      stream.send({
        event: 'chat',
        data: {
          chatId: event.chatId,
          href: chatHref(event.chatId),
          state: event.state === 'ended' ? 'ended' : 'transferred',
        },
      });
    }
    // The ring count changes when a chat starts or stops ringing here.
    if (event.ringingUserId === session.userId) {
      ringing.add(event.chatId);
      recount();
    } else if (ringing.delete(event.chatId)) {
      recount();
    }
  });
  const unsubscribeAvailability = bus.subscribe('agent.availability', (event) => {
    if (event.sessionId === session.id && event.accountId === session.accountId) {
      stream.send({ event: 'availability', data: { chat: event.availability } });
    }
  });
  stream.onClose(() => {
    unsubscribeChats();
    unsubscribeAvailability();
  });
}
