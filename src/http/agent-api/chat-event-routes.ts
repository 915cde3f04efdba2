import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/create-core.js';
import { idempotencyKeyOf } from '../legacy/idempotency-key.js';
import { parseInput } from '../legacy/input.js';
import { parseLeadingDigits } from '../legacy/lenient-query.js';
import { pathParam, sendLegacy } from '../legacy/respond.js';
import { registerResource } from '../legacy/resource.js';
import { presentEvent } from '../visitor-api/chat-presenter.js';
import { agentSessions, chatPath, type AgentApiConfig } from './agent-request.js';
import { presentAgentEvents, presentEventLocation } from './agent-presenter.js';
import { readAgentChat } from './chat-read.js';
import { agentPostBody } from './schemas.js';

/** A chat's events (chat-agent-api §3.14–3.16): read them, post a line or the end, read one. */
export function registerChatEventRoutes(app: FastifyInstance, core: Core, origin: AgentApiConfig): void {
  const base = '/:sessionId/chat/:chatId/events';

  registerResource(
    app,
    base,
    {
      GET: async (request, reply) => {
        const { account, session } = agentSessions.of(request);
        const { chatId, url } = chatPath(request, session, origin);
        const read = await readAgentChat(request, reply, core, origin, { account, session, chatId });
        if (read === undefined) return reply;
        return sendLegacy(reply, 200, { events: presentAgentEvents(url, read.chat, read.events, account, read.from) });
      },
      // §3.15–3.16: a line answers chatEventLocation, the end of the chat chatLocation (each page literally).
      POST: async (request, reply) => {
        const { session } = agentSessions.of(request);
        const { chatId, url } = chatPath(request, session, origin);
        const post = parseInput(agentPostBody, request.body);
        const posted = await core.agents.chats.post(session, chatId, post, idempotencyKeyOf(request));
        const href = `${url}/events/${posted.eventId}`;
        reply.header('Location', href);
        return sendLegacy(reply, 201, presentEventLocation(href, posted.kind));
      },
    },
    { routine: 'reads' },
  );

  registerResource(app, `${base}/:eventId`, {
    GET: async (request, reply) => {
      const { account, session } = agentSessions.of(request);
      const { chatId } = chatPath(request, session, origin);
      const eventId = parseLeadingDigits(pathParam(request, 'eventId'));
      const event = await core.agents.chats.event(session, chatId, eventId);
      return sendLegacy(reply, 200, { event: presentEvent(event, account, 'number', 'agent') });
    },
  });
}
