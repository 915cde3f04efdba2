import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/create-core.js';
import { parseInput } from '../legacy/input.js';
import { sendLegacy } from '../legacy/respond.js';
import { registerResource } from '../legacy/resource.js';
import { agentSessionOf, type AgentApiConfig } from './agent-request.js';
import { availableSlotsQuery } from './schemas.js';
import { presentAvailableSlots } from './session-presenter.js';

/** §3.6: free chat slots of one agent (`agent`), or of a skill's agents (`skill`, `maxWaitTime`). */
export function registerAvailableSlotsRoutes(app: FastifyInstance, core: Core, origin: AgentApiConfig): void {
  registerResource(app, '/api/account/:accountId/agentSession/:sessionId/chat/availableSlots', {
    GET: async (request, reply) => {
      const { account } = await agentSessionOf(request, core, origin);
      const { agent, skill } = parseInput(availableSlotsQuery, request.query);
      const slots = await core.agents.directory.availableSlots(account, {
        ...(agent === undefined ? {} : { agent }),
        ...(skill === undefined ? {} : { skill }),
      });
      return sendLegacy(reply, 200, presentAvailableSlots(slots));
    },
  });
}
