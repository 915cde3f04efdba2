import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/create-core.js';
import { registerResource } from '../legacy/resource.js';
import { publicBaseUrl } from '../public-origin.js';
import { streamAgentSession } from '../realtime/agent-stream.js';
import { agentSessions, type AgentApiConfig } from './agent-request.js';
import { agentChatUrl, sessionUrl } from './agent-presenter.js';

/** Not in the legacy API: the session's rings, chats and availability as Server-Sent Events. */
export function registerAgentStreamRoutes(app: FastifyInstance, core: Core, origin: AgentApiConfig): void {
  registerResource(app, '/:sessionId/stream', {
    GET: async (request, reply) => {
      const { account, session } = agentSessions.of(request);
      const baseUrl = publicBaseUrl(request, origin);
      await streamAgentSession({
        core,
        reply,
        session,
        links: {
          chatHref: (chatId) => agentChatUrl(baseUrl, session, chatId),
          sessionHref: sessionUrl(baseUrl, session),
          zone: account.settings.timeZone,
        },
        ...(origin.keepAliveMs === undefined ? {} : { keepAliveMs: origin.keepAliveMs }),
      });
      return reply;
    },
  });
}
