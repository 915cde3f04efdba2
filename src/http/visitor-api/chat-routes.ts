import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readEventsOrStream } from '../realtime/events-request.js';
import type { Core } from '../../core/create-core.js';
import { CHAT_ID_PATTERN } from '../../core/chats/chat-ids.js';
import { ChatError, ErrorCode } from '../../core/errors.js';
import type { Account } from '../../core/model.js';
import { renderSurvey } from '../../core/surveys/surveys.js';
import { parseLeadingDigits } from '../legacy/lenient-query.js';
import { pathParam, sendEmpty, sendLegacy } from '../legacy/respond.js';
import { registerResource } from '../legacy/resource.js';
import { publicBaseUrl, type PublicOriginConfig } from '../public-origin.js';
import { presentChat, presentEvent, presentEvents, presentInfo, typingOf } from './chat-presenter.js';
import { visitorAccount } from './visitor-request.js';
import { idempotencyKeyOf } from '../legacy/idempotency-key.js';

/**
 * The chat resources of the Server Chat API (server-chat §3.9–3.19, rows 9–23). Every request on a
 * chat records the visitor's activity; unknown chats and chats past retention answer 404 / 42.
 */
export function registerVisitorChatRoutes(
  app: FastifyInstance,
  core: Core,
  origin: PublicOriginConfig & { keepAliveMs?: number },
): void {
  const visitor = core.chats.visitor;
  const chatPath = '/chat/:chatId';

  /** The account (app key checked) and a chat id of the right shape (anything else cannot exist). */
  async function target(request: FastifyRequest): Promise<{ account: Account; chatId: string; baseUrl: string }> {
    const account = await visitorAccount(request, core);
    const chatId = pathParam(request, 'chatId');
    if (!CHAT_ID_PATTERN.test(chatId)) throw new ChatError(ErrorCode.NOT_FOUND, 'Chat not found');
    return { account, chatId, baseUrl: publicBaseUrl(request, origin) };
  }

  /** The chat's events: now, held (`wait=S`), or streamed (text/event-stream). */
  const readOrStream = (request: FastifyRequest, reply: FastifyReply, account: Account, chatId: string) =>
    readEventsOrStream({
      request,
      reply,
      watch: core.chats.watch,
      accountId: account.id,
      chatId,
      ...(origin.keepAliveMs === undefined ? {} : { keepAliveMs: origin.keepAliveMs }),
      open: () => visitor.touch(account.id, chatId).then(() => undefined),
      read: (from, { touch, holdMs }) => visitor.read(account.id, chatId, from, holdMs, { touch }),
      readChange: (change, from) => visitor.readChange(change, from),
      // Stream messages carry the events resource's rendering (systemMessageId a string).
      present: (event) => presentEvent(event, account, 'string'),
      // An open stream is a present visitor: it keeps the chat alive (server-chat §4.5).
      onKeepAlive: () => visitor.touch(account.id, chatId).then(() => undefined),
    });

  registerResource(app, chatPath, {
    GET: async (request, reply) => {
      const { account, chatId, baseUrl } = await target(request);
      const read = await readOrStream(request, reply, account, chatId);
      if (read === undefined) return reply;
      return sendLegacy(reply, 200, presentChat(read.chat, read.events, account, baseUrl, read.from));
    },
  });

  registerResource(app, `${chatPath}/events`, {
    GET: async (request, reply) => {
      const { account, chatId, baseUrl } = await target(request);
      const read = await readOrStream(request, reply, account, chatId);
      if (read === undefined) return reply;
      return sendLegacy(reply, 200, {
        events: presentEvents(read.chat, read.events, account, baseUrl, read.from, 'string'),
      });
    },
    // Add a line or end the chat: 201, empty, Location of the new event (§3.11). The event is
    // committed before the answer is sent.
    POST: async (request, reply) => {
      const { account, chatId, baseUrl } = await target(request);
      const eventId = await visitor.post(account.id, chatId, request.body, idempotencyKeyOf(request));
      reply.header('Location', `${baseUrl}/api/account/${account.id}/chat/${chatId}/events/${eventId}`);
      return sendEmpty(reply, 201);
    },
  });

  registerResource(app, `${chatPath}/events/:eventId`, {
    GET: async (request, reply) => {
      const { account, chatId } = await target(request);
      const eventId = parseLeadingDigits(pathParam(request, 'eventId'));
      if (eventId === undefined) throw new ChatError(ErrorCode.NOT_FOUND, 'Event not found');
      const event = await visitor.event(account.id, chatId, eventId);
      return sendLegacy(reply, 200, { event: presentEvent(event, account, 'string') });
    },
  });

  registerResource(app, `${chatPath}/info`, {
    GET: async (request, reply) => {
      const { account, chatId, baseUrl } = await target(request);
      const { chat } = await visitor.touch(account.id, chatId);
      return sendLegacy(reply, 200, { info: presentInfo(chat, account, baseUrl, 'standalone') });
    },
  });

  // A Parley addition: the wait of this chat, counting only the chats queued ahead of it.
  registerResource(app, `${chatPath}/estimatedWaitTime`, {
    GET: async (request, reply) => {
      const { account, chatId } = await target(request);
      const { chat } = await visitor.touch(account.id, chatId);
      return sendLegacy(reply, 200, {
        estimatedWaitTime: await core.chats.capacity.estimatedWaitTimeOf(account, chat),
      });
    },
  });

  registerResource(app, `${chatPath}/info/visitorName`, {
    GET: async (request, reply) => {
      const { account, chatId } = await target(request);
      const { chat } = await visitor.touch(account.id, chatId);
      return sendLegacy(reply, 200, { visitorName: chat.visitorName ?? 'You' });
    },
    // 200, not the documented 201: a real client fails on anything else (§9 item 3).
    PUT: async (request, reply) => {
      const { account, chatId } = await target(request);
      await visitor.setVisitorName(account.id, chatId, request.body);
      return sendEmpty(reply);
    },
  });

  registerResource(app, `${chatPath}/info/visitorTyping`, {
    GET: async (request, reply) => {
      const { account, chatId } = await target(request);
      const { chat } = await visitor.touch(account.id, chatId);
      return sendLegacy(reply, 200, { visitorTyping: typingOf(chat, 'visitor') });
    },
    PUT: async (request, reply) => {
      const { account, chatId } = await target(request);
      await visitor.setVisitorTyping(account.id, chatId, request.body);
      return sendEmpty(reply);
    },
  });

  registerResource(app, `${chatPath}/info/agentTyping`, {
    GET: async (request, reply) => {
      const { account, chatId } = await target(request);
      const { chat } = await visitor.touch(account.id, chatId);
      // `unknown` while no agent holds the chat (§3.15).
      return sendLegacy(reply, 200, { agentTyping: chat.agentUserId === null ? 'unknown' : typingOf(chat, 'agent') });
    },
  });

  registerResource(app, `${chatPath}/exitSurvey`, {
    GET: async (request, reply) => {
      const { account, chatId } = await target(request);
      return sendLegacy(reply, 200, renderSurvey(await core.chats.surveys.exit(account.id, chatId), 'exit'));
    },
    PUT: async (request, reply) => {
      const { account, chatId } = await target(request);
      await core.chats.surveys.submitExit(account.id, chatId, request.body);
      return sendEmpty(reply);
    },
  });

  for (const [resource, withSubject] of [
    ['transcriptRequest', false],
    ['transcriptWithSubjectRequest', true],
  ] as const) {
    registerResource(app, `${chatPath}/${resource}`, {
      PUT: async (request, reply) => {
        const { account, chatId } = await target(request);
        await core.chats.transcripts.send(account.id, chatId, request.body, { withSubject });
        return sendEmpty(reply);
      },
    });
  }

  registerResource(app, `${chatPath}/customVariables`, {
    PUT: async (request, reply) => {
      const { account, chatId } = await target(request);
      await visitor.setCustomVariables(account.id, chatId, request.body);
      return sendEmpty(reply);
    },
  });
}
