import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/create-core.js';
import { AppError, ErrorCode } from '../../core/errors.js';
import { sendLegacy } from '../legacy/respond.js';
import { registerResource } from '../legacy/resource.js';
import { agentSessions, chatPath, type AgentApiConfig } from './agent-request.js';
import { presentAgentChat } from './agent-presenter.js';
import { readAgentChat } from './chat-read.js';

/** One chat as a whole (chat-agent-api §3.13), and the chat resources Parley does not offer. */
export function registerAgentChatRoutes(app: FastifyInstance, core: Core, origin: AgentApiConfig): void {
  const base = '/:sessionId/chat/:chatId';

  registerResource(
    app,
    base,
    {
      GET: async (request, reply) => {
        const { account, session } = agentSessions.of(request);
        const { chatId, baseUrl } = chatPath(request, session, origin);
        const read = await readAgentChat(request, reply, core, origin, { account, session, chatId });
        if (read === undefined) return reply;
        return sendLegacy(reply, 200, {
          chat: presentAgentChat(baseUrl, session, read.chat, read.events, account, read.from),
        });
      },
    },
    { routine: 'reads' },
  );

  // §3.26: linked but undocumented; nothing to offer.
  for (const name of ['transferAccount', 'collaborationChannels']) {
    registerResource(app, `${base}/${name}`, {
      GET: async (request) => {
        const { session } = agentSessions.of(request);
        chatPath(request, session, origin);
        throw new AppError(ErrorCode.NOT_FOUND, `${name} is not available`);
      },
    });
  }
}
