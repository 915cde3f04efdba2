import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/create-core.js';
import { pathParam, sendLegacy } from '../legacy/respond.js';
import { registerResource } from '../legacy/resource.js';
import { agentSessions } from './agent-request.js';
import { presentParticipant } from './session-presenter.js';

/** §3.12: what the authenticated visitor's identity provider vouched for. */
export function registerParticipantRoutes(app: FastifyInstance, core: Core): void {
  registerResource(app, '/:sessionId/participantExtendedInfo/:participantId', {
    GET: async (request, reply) => {
      const { session } = agentSessions.of(request);
      const participantId = pathParam(request, 'participantId');
      const claims = await core.agents.chats.participant(session, participantId);
      return sendLegacy(reply, 200, presentParticipant(participantId, claims), { xmlRoot: 'participantExtendedInfo' });
    },
  });
}
