import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/create-core.js';
import { parseInput } from '../legacy/input.js';
import { sendEmpty, sendLegacy } from '../legacy/respond.js';
import { registerResource } from '../legacy/resource.js';
import type { PublicOriginConfig } from '../public-origin.js';
import { agentTypingOf, presentInfo, typingOf, visitorNameOf } from './chat-presenter.js';
import { CHAT_PATH } from './chat-routes.js';
import { customVariablesBody, visitorNameBody, visitorTypingBody } from './chat-schemas.js';
import { chatTarget } from './visitor-request.js';

/** A chat's information and what the visitor sets on it (server-chat §3.12–3.15, §3.19). */
export function registerChatInfoRoutes(app: FastifyInstance, core: Core, origin: PublicOriginConfig): void {
  const visitor = core.chats.visitor;

  registerResource(app, `${CHAT_PATH}/info`, {
    GET: async (request, reply) => {
      const { account, chatId, baseUrl } = chatTarget(request, origin);
      const { chat } = await visitor.touch(account.id, chatId);
      return sendLegacy(reply, 200, { info: presentInfo(chat, account, baseUrl, 'standalone') });
    },
  });

  // A Parley addition: the wait of this chat, counting only the chats queued ahead of it.
  registerResource(
    app,
    `${CHAT_PATH}/estimatedWaitTime`,
    {
      GET: async (request, reply) => {
        const { account, chatId } = chatTarget(request, origin);
        const { chat } = await visitor.touch(account.id, chatId);
        return sendLegacy(reply, 200, {
          estimatedWaitTime: await core.chats.capacity.estimatedWaitTimeOf(account, chat),
        });
      },
    },
    { routine: 'reads' },
  );

  registerResource(app, `${CHAT_PATH}/info/visitorName`, {
    GET: async (request, reply) => {
      const { account, chatId } = chatTarget(request, origin);
      const { chat } = await visitor.touch(account.id, chatId);
      return sendLegacy(reply, 200, { visitorName: visitorNameOf(chat) });
    },
    // 200, not the documented 201: a real client fails on anything else (§9 item 3).
    PUT: async (request, reply) => {
      const { account, chatId } = chatTarget(request, origin);
      await visitor.setVisitorName(account.id, chatId, parseInput(visitorNameBody, request.body));
      return sendEmpty(reply);
    },
  });

  registerResource(
    app,
    `${CHAT_PATH}/info/visitorTyping`,
    {
      GET: async (request, reply) => {
        const { account, chatId } = chatTarget(request, origin);
        const { chat } = await visitor.touch(account.id, chatId);
        return sendLegacy(reply, 200, { visitorTyping: typingOf(chat, 'visitor') });
      },
      PUT: async (request, reply) => {
        const { account, chatId } = chatTarget(request, origin);
        await visitor.setVisitorTyping(account.id, chatId, parseInput(visitorTypingBody, request.body));
        return sendEmpty(reply);
      },
    },
    { routine: true },
  );

  registerResource(
    app,
    `${CHAT_PATH}/info/agentTyping`,
    {
      GET: async (request, reply) => {
        const { account, chatId } = chatTarget(request, origin);
        const { chat } = await visitor.touch(account.id, chatId);
        return sendLegacy(reply, 200, { agentTyping: agentTypingOf(chat) });
      },
    },
    { routine: true },
  );

  registerResource(app, `${CHAT_PATH}/customVariables`, {
    PUT: async (request, reply) => {
      const { account, chatId } = chatTarget(request, origin);
      await visitor.setCustomVariables(account.id, chatId, parseInput(customVariablesBody, request.body));
      return sendEmpty(reply);
    },
  });
}
