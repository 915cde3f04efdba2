import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readEventsOrStream } from '../realtime/events-request.js';
import type { Core } from '../../core/create-core.js';
import { AppError, ErrorCode } from '../../core/errors.js';
import { idempotencyKeyOf } from '../legacy/idempotency-key.js';
import { parseInput } from '../legacy/input.js';
import { parseLeadingDigits } from '../legacy/lenient-query.js';
import { pathParam, sendEmpty, sendLegacy } from '../legacy/respond.js';
import { registerResource } from '../legacy/resource.js';
import type { PublicOriginConfig } from '../public-origin.js';
import { presentChat, presentEvent, presentEvents } from './chat-presenter.js';
import { postedEventBody } from './chat-schemas.js';
import { chatTarget, type ChatTarget } from './visitor-request.js';

/** Where the chat resources live; chat-info-routes.ts and after-chat-routes.ts extend it. */
export const CHAT_PATH = '/chat/:chatId';

/**
 * The chat and its events (server-chat §3.9–3.11, rows 9–11). Every request on a chat records the
 * visitor's activity; unknown chats and chats past retention answer 404 / 42.
 */
export function registerVisitorChatRoutes(
  app: FastifyInstance,
  core: Core,
  origin: PublicOriginConfig & { keepAliveMs?: number },
): void {
  const visitor = core.chats.visitor;

  /** The chat's events: now, held (`wait=S`), or streamed (text/event-stream). */
  const readOrStream = (request: FastifyRequest, reply: FastifyReply, { account, chatId }: ChatTarget) =>
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

  registerResource(
    app,
    CHAT_PATH,
    {
      GET: async (request, reply) => {
        const target = chatTarget(request, origin);
        const read = await readOrStream(request, reply, target);
        if (read === undefined) return reply;
        return sendLegacy(reply, 200, presentChat(read.chat, read.events, target.account, target.baseUrl, read.from));
      },
    },
    { routine: 'reads' },
  );

  registerResource(
    app,
    `${CHAT_PATH}/events`,
    {
      GET: async (request, reply) => {
        const target = chatTarget(request, origin);
        const read = await readOrStream(request, reply, target);
        if (read === undefined) return reply;
        return sendLegacy(reply, 200, {
          events: presentEvents(read.chat, read.events, target.account, target.baseUrl, read.from, 'string'),
        });
      },
      // Add a line or end the chat: 201, empty, Location of the new event (§3.11). The event is
      // committed before the answer is sent.
      POST: async (request, reply) => {
        const { account, chatId, baseUrl } = chatTarget(request, origin);
        const posted = parseInput(postedEventBody, request.body);
        const eventId = await visitor.post(account.id, chatId, posted, idempotencyKeyOf(request));
        reply.header('Location', `${baseUrl}/api/account/${account.id}/chat/${chatId}/events/${eventId}`);
        return sendEmpty(reply, 201);
      },
    },
    { routine: 'reads' },
  );

  registerResource(app, `${CHAT_PATH}/events/:eventId`, {
    GET: async (request, reply) => {
      const { account, chatId } = chatTarget(request, origin);
      const eventId = parseLeadingDigits(pathParam(request, 'eventId'));
      if (eventId === undefined) throw new AppError(ErrorCode.NOT_FOUND, 'Event not found');
      const event = await visitor.event(account.id, chatId, eventId);
      return sendLegacy(reply, 200, { event: presentEvent(event, account, 'string') });
    },
  });
}
