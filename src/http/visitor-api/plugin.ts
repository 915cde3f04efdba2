import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/create-core.js';
import type { LegacyApi } from '../legacy/legacy-api.js';
import { mountLegacyApi, type EdgeRules } from '../legacy/mount-api.js';
import type { PublicOriginConfig } from '../public-origin.js';
import { registerVisitorAccountRoutes } from './account-routes.js';
import { registerAfterChatRoutes } from './after-chat-routes.js';
import { registerAvailabilityRoutes } from './availability-routes.js';
import { registerChatInfoRoutes } from './chat-info-routes.js';
import { registerVisitorChatRoutes } from './chat-routes.js';
import { authenticateVisitor } from './visitor-request.js';

/**
 * Server Chat API (server-chat §1): JSON or XML, any origin reflected without credentials (a chat
 * window runs on the customer's site), ISO times. Visitors of a site share its public app key, so
 * their request budget is counted by address.
 */
export const SERVER_CHAT_API: LegacyApi = {
  name: 'Server Chat API',
  errorTime: 'iso-8601',
  negotiatesXml: true,
  cors: 'reflect-origin',
  budget: 'by-visitor-address',
};

/**
 * The account root and everything under it that no other API claims (`/chat/…`, `/conversation`,
 * and unknown paths): the Login Service, Domain API, Chat Agent API and account configuration
 * mount more specific prefixes beside it.
 */
export const registerServerChatApi = (
  app: FastifyInstance,
  core: Core,
  origin: PublicOriginConfig & { keepAliveMs?: number },
  edge: EdgeRules,
) =>
  mountLegacyApi(app, SERVER_CHAT_API, edge, [
    {
      prefix: '/api/account/:accountId',
      // The account's resources (server-chat §3, rows 0–8), then a chat's (rows 9–23).
      authenticate: authenticateVisitor(core),
      routes: (scope) => {
        registerVisitorAccountRoutes(scope, core, origin);
        registerAvailabilityRoutes(scope, core);
        registerVisitorChatRoutes(scope, core, origin);
        registerChatInfoRoutes(scope, core, origin);
        registerAfterChatRoutes(scope, core, origin);
      },
    },
  ]);
