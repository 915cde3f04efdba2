import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/create-core.js';
import { parseInput } from '../legacy/input.js';
import { sendLegacy } from '../legacy/respond.js';
import { registerResource } from '../legacy/resource.js';
import { publicBaseUrl } from '../public-origin.js';
import { agentSessions, type AgentApiConfig } from './agent-request.js';
import { presentAgentChats } from './agent-presenter.js';
import { chatsQuery } from './schemas.js';
import { presentChatSessions } from './session-presenter.js';

/** The agent's chats seen from one session (chat-agent-api §3.10–3.11). */
export function registerChatSessionsRoutes(app: FastifyInstance, core: Core, origin: AgentApiConfig): void {
  const base = '/:sessionId';

  // §3.10: chats this agent holds through its other sessions, to take over.
  registerResource(app, `${base}/chatSessions`, {
    GET: async (request, reply) => {
      const { session } = agentSessions.of(request);
      const chats = await core.agents.chats.otherSessionsChats(session);
      return sendLegacy(reply, 200, presentChatSessions(publicBaseUrl(request, origin), session, chats));
    },
  });

  // §3.11: several chats at once; keys it cannot see are skipped; no keys → 400.
  registerResource(app, `${base}/chat`, {
    GET: async (request, reply) => {
      const { account, session } = agentSessions.of(request);
      const reads = parseInput(chatsQuery, request.query);
      const found = await core.agents.chats.readSeen(session, reads);
      return sendLegacy(reply, 200, presentAgentChats(publicBaseUrl(request, origin), session, found, account));
    },
  });
}
