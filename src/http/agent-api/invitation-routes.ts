import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/create-core.js';
import { CHAT_ID_PATTERN } from '../../core/chats/chat-ids.js';
import { AppError, ErrorCode } from '../../core/errors.js';
import { parseInput } from '../legacy/input.js';
import { pathParam, sendEmpty, sendLegacy } from '../legacy/respond.js';
import { registerResource } from '../legacy/resource.js';
import { link } from '../visitor-api/chat-presenter.js';
import { publicBaseUrl } from '../public-origin.js';
import { agentSessions, chatPath, type AgentApiConfig } from './agent-request.js';
import { agentChatUrl, sessionUrl } from './agent-presenter.js';
import { invitationAnswerBody, invitationBody } from './sharing-schemas.js';
import { presentHolderInvitation, presentInviteeInvitation, presentParticipantLocation } from './sharing-presenter.js';

/** An invitation id: the chat's id, a dot, the number of the event that made it. */
const INVITATION_ID = new RegExp(`${CHAT_ID_PATTERN.source.slice(0, -1)}\\.\\d{1,10}$`);

function invitationIdOf(value: string): string {
  if (!INVITATION_ID.test(value)) throw new AppError(ErrorCode.NOT_FOUND, 'Invitation not found');
  return value;
}

/**
 * Not in the legacy API: a holder's invitations to assist in its chat, and the invitations reaching
 * an agent, which it accepts or declines (docs/SHARED-CHATS.md, "Invitations").
 */
export function registerInvitationRoutes(app: FastifyInstance, core: Core, origin: AgentApiConfig): void {
  const sharing = core.agents.sharing;
  const chatBase = '/:sessionId/chat/:chatId/invitations';

  registerResource(app, chatBase, {
    POST: async (request, reply) => {
      const { session } = agentSessions.of(request);
      const { chatId, url } = chatPath(request, session, origin);
      const { target, note } = parseInput(invitationBody, request.body);
      const invitation = await sharing.invite(session, chatId, target, note);
      const href = `${url}/invitations/${invitation.id}`;
      reply.header('Location', href);
      return sendLegacy(reply, 201, { invitationLocation: { link: link(href, 'location') } });
    },
  });

  registerResource(app, `${chatBase}/:invitationId`, {
    GET: async (request, reply) => {
      const { account, session } = agentSessions.of(request);
      const { chatId, url } = chatPath(request, session, origin);
      const invitation = await sharing.invitation(session, chatId, invitationIdOf(pathParam(request, 'invitationId')));
      return sendLegacy(reply, 200, {
        invitation: { ...presentHolderInvitation(invitation, url, account.settings.timeZone), state: 'open' },
      });
    },
    DELETE: async (request, reply) => {
      const { session } = agentSessions.of(request);
      const { chatId } = chatPath(request, session, origin);
      await sharing.withdraw(session, chatId, invitationIdOf(pathParam(request, 'invitationId')));
      return sendEmpty(reply, 204);
    },
  });

  registerResource(app, '/:sessionId/invitations', {
    GET: async (request, reply) => {
      const { account, session } = agentSessions.of(request);
      const url = `${sessionUrl(publicBaseUrl(request, origin), session)}`;
      const open = await sharing.invitationsFor(session);
      return sendLegacy(reply, 200, {
        invitations: {
          link: [link(`${url}/invitations`, 'self')],
          invitation: open.map(({ chat, invitation }) =>
            presentInviteeInvitation(chat, invitation, url, account.settings.timeZone),
          ),
        },
      });
    },
  });

  registerResource(app, '/:sessionId/invitations/:invitationId', {
    POST: async (request, reply) => {
      const { session } = agentSessions.of(request);
      const invitationId = invitationIdOf(pathParam(request, 'invitationId'));
      const accept = parseInput(invitationAnswerBody, request.body);
      const chat = await sharing.answer(session, invitationId, accept);
      if (!accept) return sendEmpty(reply, 204);
      const href = `${agentChatUrl(publicBaseUrl(request, origin), session, chat.id)}/participants/${session.id}`;
      reply.header('Location', href);
      return sendLegacy(reply, 201, presentParticipantLocation(href));
    },
  });
}
