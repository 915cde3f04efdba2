import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/create-core.js';
import { parseInput } from '../legacy/input.js';
import { sendLegacy } from '../legacy/respond.js';
import { registerResource } from '../legacy/resource.js';
import { publicBaseUrl } from '../public-origin.js';
import { agentSessions, type AgentApiConfig } from './agent-request.js';
import { sessionUrl } from './agent-presenter.js';
import { availableAgentsQuery } from './schemas.js';
import { presentAvailableAgents } from './session-presenter.js';

/** §3.5: every enabled agent of the account, the caller included; `skill`, `chatState`, `voiceState` and `chatReasonId` narrow the list. */
export function registerAvailableAgentsRoutes(app: FastifyInstance, core: Core, origin: AgentApiConfig): void {
  registerResource(app, '/:sessionId/availableAgents', {
    GET: async (request, reply) => {
      const { session } = agentSessions.of(request);
      const filter = parseInput(availableAgentsQuery, request.query);
      const listing = await core.agents.directory.availableAgents(session, filter);
      const url = `${sessionUrl(publicBaseUrl(request, origin), session)}/availableAgents`;
      return sendLegacy(reply, 200, presentAvailableAgents(url, listing));
    },
  });
}
