import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/create-core.js';
import { parseInput } from '../legacy/input.js';
import { pathParam, sendEmpty, sendLegacy } from '../legacy/respond.js';
import { registerResource } from '../legacy/resource.js';
import { link } from '../visitor-api/chat-presenter.js';
import { agentSessions, chatPath, type AgentApiConfig } from './agent-request.js';
import { joinBody } from './sharing-schemas.js';
import { presentParticipantLocation, presentParticipants } from './sharing-presenter.js';

/**
 * Not in the legacy API: who is in a chat beside its holder, joining and leaving it, and taking it
 * over (docs/SHARED-CHATS.md).
 */
export function registerChatParticipantsRoutes(app: FastifyInstance, core: Core, origin: AgentApiConfig): void {
  const base = '/:sessionId/chat/:chatId/participants';
  const sharing = core.agents.sharing;

  registerResource(app, base, {
    GET: async (request, reply) => {
      const { account, session } = agentSessions.of(request);
      const { chatId, url } = chatPath(request, session, origin);
      const chat = await sharing.participants(session, chatId);
      return sendLegacy(reply, 200, presentParticipants(chat, url, account.settings.timeZone));
    },
    POST: async (request, reply) => {
      const { session } = agentSessions.of(request);
      const { chatId, url } = chatPath(request, session, origin);
      const role = parseInput(joinBody, request.body);
      const joined = await sharing.join(session, chatId, role);
      const href = `${url}/participants/${joined.sessionId}`;
      reply.header('Location', href);
      return sendLegacy(reply, 201, presentParticipantLocation(href));
    },
  });

  registerResource(app, `${base}/:participantId`, {
    DELETE: async (request, reply) => {
      const { session } = agentSessions.of(request);
      const { chatId } = chatPath(request, session, origin);
      await sharing.leave(session, chatId, pathParam(request, 'participantId'));
      return sendEmpty(reply, 204);
    },
  });

  registerResource(app, '/:sessionId/chat/:chatId/takeOver', {
    POST: async (request, reply) => {
      const { session } = agentSessions.of(request);
      const { chatId, url } = chatPath(request, session, origin);
      await sharing.takeOver(session, chatId);
      return sendLegacy(reply, 200, { chatLocation: { link: link(url, 'location') } });
    },
  });
}
