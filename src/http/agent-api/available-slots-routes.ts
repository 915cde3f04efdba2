import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/create-core.js';
import { parseInput } from '../legacy/input.js';
import { sendLegacy } from '../legacy/respond.js';
import { registerResource } from '../legacy/resource.js';
import { agentSessions } from './agent-request.js';
import { availableSlotsQuery } from './schemas.js';
import { presentAvailableSlots } from './session-presenter.js';

/** §3.6: free chat slots of one agent (`agent`), or of a skill's agents (`skill`, `maxWaitTime`). */
export function registerAvailableSlotsRoutes(app: FastifyInstance, core: Core): void {
  registerResource(app, '/:sessionId/chat/availableSlots', {
    GET: async (request, reply) => {
      const { account } = agentSessions.of(request);
      const { agent, skill } = parseInput(availableSlotsQuery, request.query);
      const slots = await core.agents.directory.availableSlots(account, {
        ...(agent === undefined ? {} : { agent }),
        ...(skill === undefined ? {} : { skill }),
      });
      return sendLegacy(reply, 200, presentAvailableSlots(slots));
    },
  });
}
