import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readEventsOrStream } from '../realtime/events-request.js';
import type { Core } from '../../core/create-core.js';
import { TransferError } from '../../core/agents/agent-chats.js';
import { CHAT_ID_PATTERN } from '../../core/chats/chat-ids.js';
import { ChatError, ErrorCode } from '../../core/errors.js';
import { renderSurvey } from '../legacy/survey-presenter.js';
import { surveySubmissionBody } from '../legacy/survey-submission.js';
import { parseInput } from '../legacy/input.js';
import { parseLeadingDigits } from '../legacy/lenient-query.js';
import { pathParam, sendEmpty, sendLegacy } from '../legacy/respond.js';
import { registerResource } from '../legacy/resource.js';
import { publicBaseUrl, type PublicOriginConfig } from '../public-origin.js';
import { link, oneOrMany, presentEvent, typingOf } from '../visitor-api/chat-presenter.js';
import { agentSessionOf } from './agent-request.js';
import { agentChatUrl, presentAgentChat, presentAgentEvents, presentAgentInfo } from './agent-presenter.js';
import { idempotencyKeyOf } from '../legacy/idempotency-key.js';

/** Chat Agent API resources of one chat (chat-agent-api §3.13–3.26). */
export function registerAgentChatRoutes(
  app: FastifyInstance,
  core: Core,
  origin: PublicOriginConfig & { keepAliveMs?: number },
): void {
  const chats = core.agents.chats;
  const base = '/:sessionId/chat/:chatId';

  async function target(request: FastifyRequest) {
    const context = await agentSessionOf(request, core, origin);
    const chatId = pathParam(request, 'chatId');
    if (!CHAT_ID_PATTERN.test(chatId)) throw new ChatError(ErrorCode.NOT_FOUND, 'Chat not found');
    const baseUrl = publicBaseUrl(request, origin);
    return { ...context, chatId, baseUrl, url: agentChatUrl(baseUrl, context.session, chatId) };
  }

  /** The chat's events: now, held (`wait=S`), or streamed (text/event-stream). */
  const readOrStream = (request: FastifyRequest, reply: FastifyReply, context: Awaited<ReturnType<typeof target>>) => {
    const { account, session, chatId } = context;
    return readEventsOrStream({
      request,
      reply,
      watch: core.chats.watch,
      accountId: account.id,
      chatId,
      ...(origin.keepAliveMs === undefined ? {} : { keepAliveMs: origin.keepAliveMs }),
      open: () => chats.held(session, chatId).then(() => undefined),
      read: (from, { touch }) => chats.read(session, chatId, from, { touch }),
      readChange: (change, from) => chats.readChange(session, change, from),
      present: (event) => presentEvent(event, account, 'number'),
      // An open stream keeps the agent session alive, as its polls would.
      onKeepAlive: () => core.agents.sessions.keepAlive(session),
    });
  };

  registerResource(app, base, {
    GET: async (request, reply) => {
      const context = await target(request);
      const read = await readOrStream(request, reply, context);
      if (read === undefined) return reply;
      return sendLegacy(reply, 200, {
        chat: presentAgentChat(context.baseUrl, context.session, read.chat, read.events, context.account, read.from),
      });
    },
  });

  registerResource(app, `${base}/events`, {
    GET: async (request, reply) => {
      const context = await target(request);
      const read = await readOrStream(request, reply, context);
      if (read === undefined) return reply;
      return sendLegacy(reply, 200, {
        events: presentAgentEvents(context.url, read.chat, read.events, context.account, read.from),
      });
    },
    // §3.15–3.16: a line answers chatEventLocation, the end of the chat chatLocation (each page literally).
    POST: async (request, reply) => {
      const { session, chatId, url } = await target(request);
      const posted = await chats.post(session, chatId, request.body, idempotencyKeyOf(request));
      const href = `${url}/events/${posted.eventId}`;
      reply.header('Location', href);
      const root = posted.kind === 'line' ? 'chatEventLocation' : 'chatLocation';
      return sendLegacy(reply, 201, { [root]: { link: link(href, 'location') } });
    },
  });

  registerResource(app, `${base}/events/:eventId`, {
    GET: async (request, reply) => {
      const { account, session, chatId } = await target(request);
      const eventId = parseLeadingDigits(pathParam(request, 'eventId'));
      const { events } = await chats.read(session, chatId, eventId ?? Number.MAX_SAFE_INTEGER);
      const event = events[0];
      if (eventId === undefined || event === undefined || event.id !== eventId)
        throw new ChatError(ErrorCode.NOT_FOUND, 'Event not found');
      return sendLegacy(reply, 200, { event: presentEvent(event, account, 'number') });
    },
  });

  registerResource(app, `${base}/info`, {
    GET: async (request, reply) => {
      const { account, session, chatId, url } = await target(request);
      const chat = await chats.held(session, chatId);
      return sendLegacy(reply, 200, { info: presentAgentInfo(chat, account, url, 'standalone') });
    },
  });

  registerResource(app, `${base}/info/visitorName`, {
    GET: async (request, reply) => {
      const { session, chatId } = await target(request);
      const chat = await chats.held(session, chatId);
      return sendLegacy(reply, 200, { visitorName: chat.visitorName ?? 'visitor' });
    },
  });

  registerResource(app, `${base}/info/agentTyping`, {
    GET: async (request, reply) => {
      const { session, chatId } = await target(request);
      return sendLegacy(reply, 200, { agentTyping: typingOf(await chats.held(session, chatId), 'agent') });
    },
    // §3.20: 200 with an empty body.
    PUT: async (request, reply) => {
      const { session, chatId } = await target(request);
      await chats.setTyping(session, chatId, request.body);
      return sendEmpty(reply);
    },
  });

  registerResource(app, `${base}/info/visitorTyping`, {
    GET: async (request, reply) => {
      const { session, chatId } = await target(request);
      return sendLegacy(reply, 200, { visitorTyping: typingOf(await chats.held(session, chatId), 'visitor') });
    },
  });

  registerResource(app, `${base}/transfer`, {
    GET: async (request, reply) => {
      const { session, chatId } = await target(request);
      const skills = await chats.transferSkills(session, chatId);
      const skill = oneOrMany(
        skills.map((entry) => ({
          id: String(entry.skill.id),
          name: entry.skill.name,
          onlineAgents: String(entry.onlineAgents),
        })),
      );
      return sendLegacy(reply, 200, { transfer: skill === undefined ? {} : { skill } });
    },
    POST: async (request, reply) => {
      const { session, chatId } = await target(request);
      try {
        await chats.transfer(session, chatId, request.body);
      } catch (error) {
        if (error instanceof TransferError) return transferFailed(reply, error.message);
        throw error;
      }
      return sendEmpty(reply);
    },
  });

  registerResource(app, `${base}/survey`, {
    GET: async (request, reply) => {
      const { session, chatId } = await target(request);
      return sendLegacy(reply, 200, renderSurvey(await chats.survey(session, chatId), 'agent'));
    },
    PUT: async (request, reply) => {
      const { session, chatId } = await target(request);
      await chats.submitSurvey(session, chatId, parseInput(surveySubmissionBody, request.body));
      return sendEmpty(reply);
    },
  });

  // §3.26: linked but undocumented; nothing to offer.
  for (const name of ['transferAccount', 'collaborationChannels']) {
    registerResource(app, `${base}/${name}`, {
      GET: async (request) => {
        await target(request);
        throw new ChatError(ErrorCode.NOT_FOUND, `${name} is not available`);
      },
    });
  }
}

/** A failed transfer's own body (chat-agent-api §1.8, §3.23). */
function transferFailed(reply: FastifyReply, message: string): FastifyReply {
  return sendLegacy(reply, 400, { transfer: { errormsg: message } });
}
