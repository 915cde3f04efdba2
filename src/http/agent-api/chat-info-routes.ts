import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/create-core.js';
import { parseInput } from '../legacy/input.js';
import { sendEmpty, sendLegacy } from '../legacy/respond.js';
import { registerResource } from '../legacy/resource.js';
import { typingOf } from '../visitor-api/chat-presenter.js';
import { agentSessions, chatPath, type AgentApiConfig } from './agent-request.js';
import { presentAgentInfo } from './agent-presenter.js';
import { agentTypingBody } from './schemas.js';

/**
 * A chat's information and typing indicators (chat-agent-api §3.17–3.21): read by its holder and its
 * participants (docs/SHARED-CHATS.md); only the holder sets its typing flag.
 */
export function registerChatInfoRoutes(app: FastifyInstance, core: Core, origin: AgentApiConfig): void {
  const base = '/:sessionId/chat/:chatId/info';
  const chats = core.agents.chats;

  registerResource(app, base, {
    GET: async (request, reply) => {
      const { account, session } = agentSessions.of(request);
      const { chatId, url } = chatPath(request, session, origin);
      const { chat } = await chats.seen(session, chatId);
      return sendLegacy(reply, 200, { info: presentAgentInfo(chat, account, url, 'standalone') });
    },
  });

  registerResource(app, `${base}/visitorName`, {
    GET: async (request, reply) => {
      const { session } = agentSessions.of(request);
      const { chatId } = chatPath(request, session, origin);
      const { chat } = await chats.seen(session, chatId);
      return sendLegacy(reply, 200, { visitorName: chat.visitorName ?? 'visitor' });
    },
  });

  registerResource(
    app,
    `${base}/agentTyping`,
    {
      GET: async (request, reply) => {
        const { session } = agentSessions.of(request);
        const { chatId } = chatPath(request, session, origin);
        return sendLegacy(reply, 200, { agentTyping: typingOf((await chats.seen(session, chatId)).chat, 'agent') });
      },
      // §3.20: 200 with an empty body.
      PUT: async (request, reply) => {
        const { session } = agentSessions.of(request);
        const { chatId } = chatPath(request, session, origin);
        const isTyping = parseInput(agentTypingBody, request.body);
        await chats.setTyping(session, chatId, isTyping);
        return sendEmpty(reply);
      },
    },
    { routine: true },
  );

  registerResource(
    app,
    `${base}/visitorTyping`,
    {
      GET: async (request, reply) => {
        const { session } = agentSessions.of(request);
        const { chatId } = chatPath(request, session, origin);
        return sendLegacy(reply, 200, { visitorTyping: typingOf((await chats.seen(session, chatId)).chat, 'visitor') });
      },
    },
    { routine: true },
  );
}
