import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/create-core.js';
import type { LegacyApi } from '../legacy/legacy-api.js';
import { mountLegacyApi, type EdgeRules } from '../legacy/mount-api.js';
import { authenticateAgent, type AgentApiConfig } from './agent-request.js';
import { registerAgentSessionRoutes } from './agent-session-routes.js';
import { registerAgentStreamRoutes } from './agent-stream-routes.js';
import { registerAvailabilityRoutes } from './availability-routes.js';
import { registerAvailableAgentsRoutes } from './available-agents-routes.js';
import { registerAvailableSlotsRoutes } from './available-slots-routes.js';
import { registerChatEventRoutes } from './chat-event-routes.js';
import { registerChatInfoRoutes } from './chat-info-routes.js';
import { registerAgentChatRoutes } from './chat-routes.js';
import { registerChatSessionsRoutes } from './chat-sessions-routes.js';
import { registerIncomingRequestsRoutes } from './incoming-requests-routes.js';
import { registerAgentInfoRoutes } from './info-routes.js';
import { registerParticipantRoutes } from './participant-routes.js';
import { registerAgentSurveyRoutes } from './survey-routes.js';
import { registerTransferRoutes } from './transfer-routes.js';
import { registerVisitRoutes } from './visit-routes.js';
import { registerLiveChatsRoutes } from './live-chats-routes.js';
import { registerAutoListenRoutes } from './auto-listen-routes.js';
import { registerChatParticipantsRoutes } from './chat-participants-routes.js';
import { registerInvitationRoutes } from './invitation-routes.js';

/** Chat Agent API (chat-agent-api §1): JSON or XML, allow-listed origins with credentials, ISO times. */
export const CHAT_AGENT_API: LegacyApi = {
  name: 'Chat Agent API',
  errorTime: 'iso-8601',
  negotiatesXml: true,
  cors: 'allow-listed',
  budget: 'by-credential',
};

/**
 * Everything under `/api/account/{a}/agentSession` (chat-agent-api §3): an agent session's
 * resources, its event stream, then those of its chats. Every resource authenticates its caller
 * in the plugin's hook (agent-request.ts).
 */
export const registerChatAgentApi = (app: FastifyInstance, core: Core, origin: AgentApiConfig, edge: EdgeRules) =>
  mountLegacyApi(app, CHAT_AGENT_API, edge, [
    {
      prefix: '/api/account/:accountId/agentSession',
      authenticate: authenticateAgent(core, origin),
      routes: (scope) => {
        registerAgentSessionRoutes(scope, core, origin);
        registerAvailabilityRoutes(scope, core);
        registerAvailableAgentsRoutes(scope, core, origin);
        registerAvailableSlotsRoutes(scope, core);
        registerAgentInfoRoutes(scope, core, origin);
        registerIncomingRequestsRoutes(scope, core, origin);
        registerAgentStreamRoutes(scope, core, origin);
        registerChatSessionsRoutes(scope, core, origin);
        registerParticipantRoutes(scope, core);
        registerVisitRoutes(scope, core, origin);
        registerAgentChatRoutes(scope, core, origin);
        registerChatEventRoutes(scope, core, origin);
        registerChatInfoRoutes(scope, core, origin);
        registerTransferRoutes(scope, core, origin);
        registerAgentSurveyRoutes(scope, core, origin);
        // Shared chats, Parley additions (docs/SHARED-CHATS.md).
        registerLiveChatsRoutes(scope, core, origin);
        registerAutoListenRoutes(scope, core);
        registerChatParticipantsRoutes(scope, core, origin);
        registerInvitationRoutes(scope, core, origin);
      },
    },
  ]);
