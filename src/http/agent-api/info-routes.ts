import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/create-core.js';
import { sendLegacy } from '../legacy/respond.js';
import { registerResource } from '../legacy/resource.js';
import { publicBaseUrl } from '../public-origin.js';
import { agentSessions, type AgentApiConfig } from './agent-request.js';
import { presentAgentInfoResource, sessionUrl } from './agent-presenter.js';

/** §3.7: who the session's agent is, its availability and skills. */
export function registerAgentInfoRoutes(app: FastifyInstance, core: Core, origin: AgentApiConfig): void {
  registerResource(app, '/:sessionId/info', {
    GET: async (request, reply) => {
      const { session, identity } = agentSessions.of(request);
      const skills = await core.administration.listSkills(session.accountId);
      const url = sessionUrl(publicBaseUrl(request, origin), session);
      return sendLegacy(
        reply,
        200,
        presentAgentInfoResource(url, identity.user, session, new Map(skills.map((s) => [s.id, s]))),
      );
    },
  });
}
