import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/create-core.js';
import { sendLegacy } from '../legacy/respond.js';
import { registerResource } from '../legacy/resource.js';
import { publicBaseUrl } from '../public-origin.js';
import { agentSessions, type AgentApiConfig } from './agent-request.js';
import { agentChatUrl, sessionUrl } from './agent-presenter.js';
import { presentChatLocation, presentIncomingRequests } from './session-presenter.js';

/**
 * Ringing chats and accepting one (chat-agent-api §3.8–3.9): GET counts what rings at the agent,
 * POST accepts the oldest ringing chat and answers where it lives.
 */
export function registerIncomingRequestsRoutes(app: FastifyInstance, core: Core, origin: AgentApiConfig): void {
  registerResource(
    app,
    '/:sessionId/incomingRequests',
    {
      GET: async (request, reply) => {
        const { session } = agentSessions.of(request);
        const count = await core.agents.router.ringingCount(session.accountId, session.userId);
        const url = `${sessionUrl(publicBaseUrl(request, origin), session)}/incomingRequests`;
        return sendLegacy(reply, 200, presentIncomingRequests(url, count));
      },
      // §3.9: accept.
      POST: async (request, reply) => {
        const { session, identity } = agentSessions.of(request);
        const chat = await core.agents.router.accept(session.accountId, session, identity.user);
        const href = agentChatUrl(publicBaseUrl(request, origin), session, chat.id);
        reply.header('Location', href);
        return sendLegacy(reply, 201, presentChatLocation(href));
      },
    },
    { routine: 'reads' },
  );
}
