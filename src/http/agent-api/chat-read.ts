import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AgentSession } from '../../core/chats/chat-model.js';
import type { Core } from '../../core/create-core.js';
import type { Account } from '../../core/model.js';
import { readEventsOrStream } from '../realtime/events-request.js';
import { presentEvent } from '../visitor-api/chat-presenter.js';
import type { AgentApiConfig } from './agent-request.js';

/**
 * A chat's events as the agent reads them: now, held (`wait=S`), or streamed (text/event-stream).
 * Undefined when a stream has taken the reply.
 */
export function readAgentChat(
  request: FastifyRequest,
  reply: FastifyReply,
  core: Core,
  origin: AgentApiConfig,
  target: { account: Account; session: AgentSession; chatId: string },
) {
  const { account, session, chatId } = target;
  const chats = core.agents.chats;
  return readEventsOrStream({
    request,
    reply,
    watch: core.chats.watch,
    accountId: account.id,
    chatId,
    ...(origin.keepAliveMs === undefined ? {} : { keepAliveMs: origin.keepAliveMs }),
    // The holder, or a participant (docs/SHARED-CHATS.md): whoever may read the chat may stream it.
    open: () => chats.seen(session, chatId).then(() => undefined),
    read: (from, { touch, holdMs }) => chats.read(session, chatId, from, { touch, held: holdMs > 0 }),
    readChange: (change, from) => chats.readChange(session, change, from),
    present: (event) => presentEvent(event, account, 'number', 'agent'),
    // An open stream keeps the agent session alive, as its polls would.
    onKeepAlive: () => core.agents.sessions.keepAlive(session),
    // A stream or a held long-poll of the agent is a connection of its session (agent-presence.ts).
    connect: () => core.agents.presence.connected(session),
  });
}
