import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/create-core.js';
import { parseInput } from '../legacy/input.js';
import { sendLegacy } from '../legacy/respond.js';
import { registerResource } from '../legacy/resource.js';
import { agentSessions } from './agent-request.js';
import { availabilityBody } from './schemas.js';
import { presentAvailability, presentAvailabilitySet } from './session-presenter.js';

/** The session's availability (chat-agent-api §3.3–3.4). */
export function registerAvailabilityRoutes(app: FastifyInstance, core: Core): void {
  registerResource(app, '/:sessionId/availability', {
    GET: async (request, reply) => {
      const { session } = agentSessions.of(request);
      return sendLegacy(reply, 200, presentAvailability(session));
    },
    PUT: async (request, reply) => {
      const { session } = agentSessions.of(request);
      const { chat, chatReasonId } = parseInput(availabilityBody, request.body);
      const updated = await core.agents.sessions.setAvailability(session, chat, chatReasonId);
      return sendLegacy(reply, 200, presentAvailabilitySet(updated));
    },
  });
}
