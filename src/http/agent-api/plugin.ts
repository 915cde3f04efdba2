import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/create-core.js';
import type { LegacyApi } from '../legacy/legacy-api.js';
import { mountLegacyApi, type EdgeRules } from '../legacy/mount-api.js';
import type { PublicOriginConfig } from '../public-origin.js';
import { registerAgentChatRoutes } from './chat-routes.js';
import { registerAgentSessionRoutes } from './session-routes.js';

/** Chat Agent API (chat-agent-api §1): JSON or XML, allow-listed origins with credentials, ISO times. */
export const CHAT_AGENT_API: LegacyApi = {
  name: 'Chat Agent API',
  errorTime: 'iso-8601',
  negotiatesXml: true,
  cors: 'allow-listed',
  budget: 'by-credential',
};

/** Everything under `/api/account/{a}/agentSession`: the sessions, their chats and their stream. */
export const registerChatAgentApiPlugin = (
  app: FastifyInstance,
  core: Core,
  origin: PublicOriginConfig & { keepAliveMs?: number },
  edge: EdgeRules,
) =>
  mountLegacyApi(app, CHAT_AGENT_API, edge, [
    {
      prefix: '/api/account/:accountId/agentSession',
      routes: (scope) => {
        registerAgentSessionRoutes(scope, core, origin);
        registerAgentChatRoutes(scope, core, origin);
      },
    },
  ]);
