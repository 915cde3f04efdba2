import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/create-core.js';
import { renderSurvey } from '../../core/surveys/surveys.js';
import { sendEmpty, sendLegacy } from '../legacy/respond.js';
import { registerResource } from '../legacy/resource.js';
import { agentSessionOf, chatPath, type AgentApiConfig } from './agent-request.js';

/** The agent survey of a chat (chat-agent-api §3.24–3.25). */
export function registerAgentSurveyRoutes(app: FastifyInstance, core: Core, origin: AgentApiConfig): void {
  const chats = core.agents.chats;

  registerResource(app, '/api/account/:accountId/agentSession/:sessionId/chat/:chatId/survey', {
    GET: async (request, reply) => {
      const { session } = await agentSessionOf(request, core, origin);
      const { chatId } = chatPath(request, session, origin);
      return sendLegacy(reply, 200, renderSurvey(await chats.survey(session, chatId), 'agent'));
    },
    PUT: async (request, reply) => {
      const { session } = await agentSessionOf(request, core, origin);
      const { chatId } = chatPath(request, session, origin);
      await chats.submitSurvey(session, chatId, request.body);
      return sendEmpty(reply);
    },
  });
}
