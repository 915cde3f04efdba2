import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/create-core.js';
import { parseInput } from '../legacy/input.js';
import { sendLegacy } from '../legacy/respond.js';
import { registerResource } from '../legacy/resource.js';
import { publicBaseUrl } from '../public-origin.js';
import { wantsEventStream } from '../realtime/event-stream.js';
import { waitQuery } from '../realtime/events-query.js';
import { holdLiveChats, streamLiveChats } from '../realtime/live-chats.js';
import { agentSessions, type AgentApiConfig } from './agent-request.js';
import { agentChatUrl, sessionUrl } from './agent-presenter.js';
import { liveChatsQuery } from './sharing-schemas.js';
import { presentLiveChat, presentLiveChats } from './sharing-presenter.js';

/**
 * Not in the legacy API: the account's live chats a session may listen to (docs/SHARED-CHATS.md,
 * "Live chats"), now, held until they change (`wait=S&seen=V`), or streamed.
 */
export function registerLiveChatsRoutes(app: FastifyInstance, core: Core, origin: AgentApiConfig): void {
  registerResource(
    app,
    '/:sessionId/liveChats',
    {
      GET: async (request, reply) => {
        const { account, session } = agentSessions.of(request);
        const { skill, seen } = parseInput(liveChatsQuery, request.query);
        const includes = await core.agents.sharing.liveChatsScope(session, skill);
        const baseUrl = publicBaseUrl(request, origin);
        const chatHref = (chatId: string) => agentChatUrl(baseUrl, session, chatId);
        const zone = account.settings.timeZone;
        if (wantsEventStream(request)) {
          await streamLiveChats({
            core,
            reply,
            session,
            includes,
            present: (chat) => presentLiveChat(chat, chatHref(chat.chatId), zone),
            ...(origin.keepAliveMs === undefined ? {} : { keepAliveMs: origin.keepAliveMs }),
          });
          return reply;
        }
        const waitSeconds = parseInput(waitQuery, request.query);
        const { chats, version } = await holdLiveChats({ core, reply, session, includes, seen, waitSeconds });
        const url = `${sessionUrl(baseUrl, session)}/liveChats${skill === undefined ? '' : `?skill=${encodeURIComponent(skill)}`}`;
        return sendLegacy(reply, 200, presentLiveChats(url, chats, version, chatHref, zone));
      },
    },
    { routine: 'reads' },
  );
}
