import type { FastifyReply } from 'fastify';
import type { Core } from '../../core/create-core.js';
import type { AgentSession } from '../../core/chats/chat-model.js';
import type { DomainEvent } from '../../core/ports.js';

type ChatChanged = Extract<DomainEvent, { type: 'chat.changed' }>;
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
  const held = new Set<string>();
  // Chats ringing here: each must lower the count when it stops ringing.
  const ringing = new Set<string>();
  let ringingCount = 0;

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

  const onChange = (event: ChatChanged) => {
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
  };

  // Listen before the first reads, so a change committed meanwhile is not missed: it waits until
  // the opening state has been sent, then goes through the same handler.
  let early: ChatChanged[] | undefined = [];
  const unsubscribeChats = core.chats.watch.listenAccount(session.accountId, (event) => {
    if (early === undefined) onChange(event);
    else early.push(event);
  });
  for (const chat of await store.chats.heldByUser(session.accountId, session.userId)) held.add(chat.id);
  for (const chat of await store.chats.listByState(session.accountId, 'waiting')) {
    if (chat.ringingUserId === session.userId) ringing.add(chat.id);
  }
  ringingCount = ringing.size;
  stream.send({ event: 'availability', data: { chat: session.availability } });
  stream.send({ event: 'ring', data: { ringingCount: String(ringingCount) } });
  for (const chatId of held)
    stream.send({ event: 'chat', data: { chatId, href: chatHref(chatId), state: 'chatting' } });
  const pending = early;
  early = undefined;
  for (const event of pending) onChange(event);

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
