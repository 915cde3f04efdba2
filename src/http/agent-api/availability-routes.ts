import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/create-core.js';
import { parseInput } from '../legacy/input.js';
import { sendLegacy } from '../legacy/respond.js';
import { registerResource } from '../legacy/resource.js';
import { agentSessionOf, type AgentApiConfig } from './agent-request.js';
import { availabilityBody } from './schemas.js';
import { presentAvailability, presentAvailabilitySet } from './session-presenter.js';

/** The session's availability (chat-agent-api §3.3–3.4). */
export function registerAvailabilityRoutes(app: FastifyInstance, core: Core, origin: AgentApiConfig): void {
  registerResource(app, '/api/account/:accountId/agentSession/:sessionId/availability', {
    GET: async (request, reply) => {
      const { session } = await agentSessionOf(request, core, origin);
      return sendLegacy(reply, 200, presentAvailability(session.availability));
    },
    PUT: async (request, reply) => {
      const { session } = await agentSessionOf(request, core, origin);
      const availability = parseInput(availabilityBody, request.body);
      const updated = await core.agents.sessions.setAvailability(session, availability);
      return sendLegacy(reply, 200, presentAvailabilitySet(updated.availability));
    },
  });
}
