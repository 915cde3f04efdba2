import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/create-core.js';
import { parseInput } from '../legacy/input.js';
import { sendEmpty, sendLegacy } from '../legacy/respond.js';
import { registerResource } from '../legacy/resource.js';
import { renderSurvey } from '../legacy/survey-presenter.js';
import { surveySubmissionBody } from '../legacy/survey-submission.js';
import { agentSessions, chatPath, type AgentApiConfig } from './agent-request.js';

/** The agent survey of a chat (chat-agent-api §3.24–3.25). */
export function registerAgentSurveyRoutes(app: FastifyInstance, core: Core, origin: AgentApiConfig): void {
  const chats = core.agents.chats;

  registerResource(app, '/:sessionId/chat/:chatId/survey', {
    GET: async (request, reply) => {
      const { session } = agentSessions.of(request);
      const { chatId } = chatPath(request, session, origin);
      return sendLegacy(reply, 200, renderSurvey(await chats.survey(session, chatId), 'agent'));
    },
    PUT: async (request, reply) => {
      const { session } = agentSessions.of(request);
      const { chatId } = chatPath(request, session, origin);
      await chats.submitSurvey(session, chatId, parseInput(surveySubmissionBody, request.body));
      return sendEmpty(reply);
    },
  });
}
