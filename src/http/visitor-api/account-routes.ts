import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Core } from '../../core/create-core.js';
import type { Account } from '../../core/model.js';
import { idempotencyKeyOf } from '../legacy/idempotency-key.js';
import { parseInput } from '../legacy/input.js';
import { sendEmpty, sendLegacy } from '../legacy/respond.js';
import { registerResource } from '../legacy/resource.js';
import { renderSurvey } from '../legacy/survey-presenter.js';
import { publicBaseUrl, type PublicOriginConfig } from '../public-origin.js';
import { presentAccount } from './account-presenter.js';
import { conversationBody, offlineSubmissionBody } from './account-schemas.js';
import { chatRequestBody } from './chat-request-body.js';
import { surveyQuery } from './survey-query.js';
import { visitorAccounts, visitorOrigin } from './visitor-request.js';

/**
 * Server Chat API resources of the account (server-chat §3.0, §3.4–3.8, rows 0 and 4–8); the
 * availability resources (rows 1–3) are in availability-routes.ts.
 */
export function registerVisitorAccountRoutes(app: FastifyInstance, core: Core, origin: PublicOriginConfig): void {
  const base = (request: FastifyRequest, account: Account) =>
    `${publicBaseUrl(request, origin)}/api/account/${account.id}`;

  registerResource(app, '', {
    GET: async (request, reply) => {
      const account = visitorAccounts.of(request);
      return sendLegacy(reply, 200, presentAccount(account, base(request, account)));
    },
  });

  registerResource(app, '/chat/preSurvey', {
    GET: async (request, reply) => {
      const account = visitorAccounts.of(request);
      return sendLegacy(
        reply,
        200,
        renderSurvey(await core.chats.surveys.preChat(account.id, surveyQuery(request)), 'pre-chat'),
      );
    },
  });

  registerResource(app, '/chat/offlineSurvey', {
    GET: async (request, reply) => {
      const account = visitorAccounts.of(request);
      return sendLegacy(
        reply,
        200,
        renderSurvey(await core.chats.surveys.offline(account.id, surveyQuery(request)), 'offline'),
      );
    },
    PUT: async (request, reply) => {
      const account = visitorAccounts.of(request);
      const submission = parseInput(offlineSubmissionBody, request.body);
      await core.chats.surveys.submitOffline(account.id, submission, visitorOrigin(request));
      return sendEmpty(reply);
    },
  });

  // Row 7: visitor authentication before an authenticated chat request (§3.7, §9 item 2: 200 + JSON).
  registerResource(app, '/conversation', {
    POST: async (request, reply) => {
      const account = visitorAccounts.of(request);
      const ssoKey = parseInput(conversationBody, request.body);
      const pair = await core.chats.visitorAuthentication.authenticate(account.id, ssoKey);
      return sendLegacy(
        reply,
        200,
        { participantId: pair.participantId, conversationId: pair.conversationId },
        { xmlRoot: 'conversation' },
      );
    },
  });

  // Row 8: 201, empty body, the chat's absolute URL in Location (§3.8, §9 item 1).
  registerResource(app, '/chat/request', {
    POST: async (request, reply) => {
      const account = visitorAccounts.of(request);
      const chatRequest = parseInput(chatRequestBody, request.body);
      const chat = await core.chats.start.start(
        account.id,
        chatRequest,
        visitorOrigin(request),
        idempotencyKeyOf(request),
      );
      reply.header('Location', `${base(request, account)}/chat/${chat.id}`);
      return sendEmpty(reply, 201);
    },
  });
}
