import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/create-core.js';
import { pathParam, sendLegacy } from '../legacy/respond.js';
import { registerResource } from '../legacy/resource.js';
import { agentSessionOf, type AgentApiConfig } from './agent-request.js';
import { presentParticipant } from './session-presenter.js';

/** §3.12: what the authenticated visitor's identity provider vouched for. */
export function registerParticipantRoutes(app: FastifyInstance, core: Core, origin: AgentApiConfig): void {
  registerResource(app, '/api/account/:accountId/agentSession/:sessionId/participantExtendedInfo/:participantId', {
    GET: async (request, reply) => {
      const { session } = await agentSessionOf(request, core, origin);
      const participantId = pathParam(request, 'participantId');
      const claims = await core.agents.chats.participant(session, participantId);
      return sendLegacy(reply, 200, presentParticipant(participantId, claims), { xmlRoot: 'participantExtendedInfo' });
    },
  });
}
