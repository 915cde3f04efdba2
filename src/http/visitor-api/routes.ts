import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/create-core.js';
import type { PublicOriginConfig } from '../public-origin.js';
import { registerVisitorAccountRoutes } from './account-routes.js';
import { registerAfterChatRoutes } from './after-chat-routes.js';
import { registerAvailabilityRoutes } from './availability-routes.js';
import { registerChatInfoRoutes } from './chat-info-routes.js';
import { registerVisitorChatRoutes } from './chat-routes.js';

/** The Server Chat API (server-chat §3, rows 0–23): the account's resources, then a chat's. */
export function registerServerChatApi(
  app: FastifyInstance,
  core: Core,
  origin: PublicOriginConfig & { keepAliveMs?: number },
): void {
  registerVisitorAccountRoutes(app, core, origin);
  registerAvailabilityRoutes(app, core);
  registerVisitorChatRoutes(app, core, origin);
  registerChatInfoRoutes(app, core, origin);
  registerAfterChatRoutes(app, core, origin);
}
