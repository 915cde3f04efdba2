import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/create-core.js';
import type { AgentApiConfig } from './agent-request.js';
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

/** The Chat Agent API (chat-agent-api §3): an agent session's resources, then those of its chats. */
export function registerChatAgentApi(app: FastifyInstance, core: Core, origin: AgentApiConfig): void {
  registerAgentSessionRoutes(app, core, origin);
  registerAvailabilityRoutes(app, core, origin);
  registerAvailableAgentsRoutes(app, core, origin);
  registerAvailableSlotsRoutes(app, core, origin);
  registerAgentInfoRoutes(app, core, origin);
  registerIncomingRequestsRoutes(app, core, origin);
  registerAgentStreamRoutes(app, core, origin);
  registerChatSessionsRoutes(app, core, origin);
  registerParticipantRoutes(app, core, origin);
  registerVisitRoutes(app, core, origin);
  registerAgentChatRoutes(app, core, origin);
  registerChatEventRoutes(app, core, origin);
  registerChatInfoRoutes(app, core, origin);
  registerTransferRoutes(app, core, origin);
  registerAgentSurveyRoutes(app, core, origin);
}
