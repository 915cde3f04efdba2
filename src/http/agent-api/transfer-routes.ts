import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/create-core.js';
import { parseInput } from '../legacy/input.js';
import { sendEmpty, sendLegacy } from '../legacy/respond.js';
import { registerResource } from '../legacy/resource.js';
import { agentSessions, chatPath, type AgentApiConfig } from './agent-request.js';
import { presentTransferSkills } from './agent-presenter.js';
import { transferBody } from './schemas.js';

/**
 * Transferring a chat (chat-agent-api §3.22–3.23): GET lists skills with an online agent, POST
 * transfers; a refused target answers `{"transfer": {"errormsg": …}}` (TRANSFER_REFUSED).
 */
export function registerTransferRoutes(app: FastifyInstance, core: Core, origin: AgentApiConfig): void {
  registerResource(app, '/:sessionId/chat/:chatId/transfer', {
    GET: async (request, reply) => {
      const { session } = agentSessions.of(request);
      const { chatId } = chatPath(request, session, origin);
      const skills = await core.agents.chats.transferSkills(session, chatId);
      return sendLegacy(reply, 200, presentTransferSkills(skills));
    },
    POST: async (request, reply) => {
      const { session } = agentSessions.of(request);
      const { chatId } = chatPath(request, session, origin);
      const transfer = parseInput(transferBody, request.body);
      await core.agents.chats.transfer(session, chatId, transfer);
      return sendEmpty(reply);
    },
  });
}
