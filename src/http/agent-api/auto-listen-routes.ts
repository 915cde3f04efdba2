import type { FastifyInstance } from 'fastify';
import type { SkillScope } from '../../core/chats/chat-model.js';
import type { Core } from '../../core/create-core.js';
import { parseInput } from '../legacy/input.js';
import { sendEmpty, sendLegacy } from '../legacy/respond.js';
import { registerResource } from '../legacy/resource.js';
import { agentSessions } from './agent-request.js';
import { autoListenBody } from './sharing-schemas.js';

const presentAutoListen = (scope: SkillScope | null, joined?: string[]) => ({
  autoListen: {
    skills: scope === null ? [] : scope === 'all' ? 'all' : scope.map(String),
    ...(joined === undefined ? {} : { joined }),
  },
});

/**
 * Not in the legacy API: the skills whose chats the session joins as a listener as they start
 * (docs/SHARED-CHATS.md, "Joined automatically").
 */
export function registerAutoListenRoutes(app: FastifyInstance, core: Core): void {
  const sharing = core.agents.sharing;
  registerResource(app, '/:sessionId/autoListen', {
    GET: async (request, reply) => {
      const { session } = agentSessions.of(request);
      return sendLegacy(reply, 200, presentAutoListen(await sharing.autoListen(session)));
    },
    PUT: async (request, reply) => {
      const { session } = agentSessions.of(request);
      const skills = parseInput(autoListenBody, request.body);
      const { scope, joined } = await sharing.setAutoListen(session, skills);
      return sendLegacy(reply, 200, presentAutoListen(scope, joined));
    },
    DELETE: async (request, reply) => {
      const { session } = agentSessions.of(request);
      await sharing.setAutoListen(session, null);
      return sendEmpty(reply, 204);
    },
  });
}
