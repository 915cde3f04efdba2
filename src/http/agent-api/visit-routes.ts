import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AgentSession } from '../../core/chats/chat-model.js';
import type { Core } from '../../core/create-core.js';
import { pathParam, sendLegacy } from '../legacy/respond.js';
import { registerResource } from '../legacy/resource.js';
import { publicBaseUrl } from '../public-origin.js';
import { agentSessions, type AgentApiConfig } from './agent-request.js';
import { sessionUrl } from './agent-presenter.js';
import { presentCustomVariables, presentVisit, presentVisitInfo } from './visit-presenter.js';

/** §3.26: the visit behind a chat the agent holds, as far as Parley knows it. */
export function registerVisitRoutes(app: FastifyInstance, core: Core, origin: AgentApiConfig): void {
  const base = '/:sessionId/visits/visit/:visitId';
  const visitUrl = (request: FastifyRequest, session: AgentSession) =>
    `${sessionUrl(publicBaseUrl(request, origin), session)}/visits/visit/${pathParam(request, 'visitId')}`;

  registerResource(app, base, {
    GET: async (request, reply) => {
      const { session } = agentSessions.of(request);
      await core.agents.chats.visit(session, pathParam(request, 'visitId'));
      return sendLegacy(reply, 200, presentVisit(visitUrl(request, session)));
    },
  });
  registerResource(app, `${base}/info`, {
    GET: async (request, reply) => {
      const { account, session } = agentSessions.of(request);
      const { chat, previousChats } = await core.agents.chats.visitInfo(session, pathParam(request, 'visitId'));
      const url = `${visitUrl(request, session)}/info`;
      return sendLegacy(reply, 200, presentVisitInfo(url, chat, previousChats, account));
    },
  });
  registerResource(app, `${base}/customVariables`, {
    GET: async (request, reply) => {
      const { account, session } = agentSessions.of(request);
      const chat = await core.agents.chats.visit(session, pathParam(request, 'visitId'));
      const url = `${visitUrl(request, session)}/customVariables`;
      return sendLegacy(reply, 200, presentCustomVariables(url, chat, account));
    },
  });
}
