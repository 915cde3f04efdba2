import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/create-core.js';
import { parseInput } from '../legacy/input.js';
import { pathParam, sendEmpty, sendLegacy } from '../legacy/respond.js';
import { registerResource } from '../legacy/resource.js';
import { publicBaseUrl, publicScheme } from '../public-origin.js';
import { agentIdentities, agentSessionCookie, agentSessions, type AgentApiConfig } from './agent-request.js';
import { sessionUrl } from './agent-presenter.js';
import { sessionQuery, sessionStartBody, sessionStartQuery } from './schemas.js';
import { presentSession, presentSessionLocation } from './session-presenter.js';

/** The agent session itself (chat-agent-api §3.1–3.2): start, read, end. */
export function registerAgentSessionRoutes(app: FastifyInstance, core: Core, origin: AgentApiConfig): void {
  const base = '/:sessionId';

  // §3.1: 201 with the session's location; identity comes from the bearer, and the body is ignored
  // but for Parley's `presence` (docs/LEGACY-QUIRKS.md), also accepted in the query.
  registerResource(app, '', {
    POST: async (request, reply) => {
      const identity = agentIdentities.of(request);
      const isConnectionBound =
        parseInput(sessionStartQuery, request.query).presence || parseInput(sessionStartBody, request.body).presence;
      const session = await core.agents.sessions.start(pathParam(request, 'accountId'), identity, {
        isConnectionBound,
      });
      const href = sessionUrl(publicBaseUrl(request, origin), session);
      reply.header('Location', href);
      // Set for unsigned requests, never required (platform §5.7).
      if (!identity.signed)
        reply.header('Set-Cookie', agentSessionCookie(session, publicScheme(request, origin) === 'https'));
      return sendLegacy(reply, 201, presentSessionLocation(href));
    },
  });

  // §3.2: the session's resources; with cs=1 also its chats. DELETE ends the session.
  registerResource(app, base, {
    GET: async (request, reply) => {
      const { session } = agentSessions.of(request);
      const { withChats } = parseInput(sessionQuery, request.query);
      const chats = withChats ? await core.agents.chats.sessionChats(session) : [];
      return sendLegacy(reply, 200, presentSession(publicBaseUrl(request, origin), session, chats));
    },
    DELETE: async (request, reply) => {
      const { session } = agentSessions.of(request);
      await core.agents.sessions.end(session.accountId, session.id);
      return sendEmpty(reply);
    },
  });
}
