import type { FastifyRequest } from 'fastify';
import type { AgentIdentity } from '../../core/agents/agent-sessions.js';
import type { AgentSession } from '../../core/chats/chat-model.js';
import type { Core } from '../../core/create-core.js';
import { AppError, ErrorCode } from '../../core/errors.js';
import type { Account } from '../../core/model.js';
import { authenticateAgentCaller } from '../auth/agent-auth.js';
import { callerSlot } from '../legacy/caller.js';
import { hasPathParam, pathParam } from '../legacy/respond.js';
import { publicBaseUrl, type PublicOriginConfig } from '../public-origin.js';
import { CHAT_ID_PATTERN } from '../../core/chats/chat-ids.js';
import { agentChatUrl } from './agent-presenter.js';

/** The cookie named in LivePerson's cookie inventory for agent sessions (platform §5.7). */
export const AGENT_SESSION_COOKIE = 'agentSessionKey';

/**
 * Who calls: a bearer's user, or the agent an OAuth 1.0 key logs in as (the API user whose
 * `allowedAppKeys` name the key, platform §4.2). A key bound to nobody is 403 / 43.
 */
async function agentIdentity(
  request: FastifyRequest,
  core: Core,
  origin: PublicOriginConfig,
): Promise<AgentIdentity & { signed: boolean }> {
  const caller = await authenticateAgentCaller(request, core, origin);
  if (caller.kind === 'bearer') return { user: caller.user, loginSessionId: caller.session.id, signed: false };
  const users = await core.administration.listUsers(caller.apiKey.accountId);
  const user = users.find(
    (candidate) => candidate.isApiUser && candidate.enabled && candidate.allowedAppKeys.includes(caller.apiKey.appKey),
  );
  if (user === undefined) throw new AppError(ErrorCode.FORBIDDEN, 'This API key is not bound to an agent');
  return { user, loginSessionId: null, signed: true };
}

/**
 * The caller's own agent session named in the path, kept alive by this request. The session
 * cookie is never required, but one naming another session is refused (platform §5.7).
 */
async function agentSessionOf(
  request: FastifyRequest,
  core: Core,
  origin: PublicOriginConfig,
): Promise<AgentSessionCaller> {
  const identity = await agentIdentity(request, core, origin);
  const sessionId = pathParam(request, 'sessionId');
  if (!/^\d{1,20}$/.test(sessionId)) throw new AppError(ErrorCode.NOT_FOUND, 'Agent session not found');
  const cookie = request.cookies[AGENT_SESSION_COOKIE];
  if (cookie !== undefined && cookie !== '' && cookie !== sessionId) {
    throw new AppError(ErrorCode.FORBIDDEN, 'The agentSessionKey cookie names another agent session');
  }
  const { account, session } = await core.agents.sessions.use(pathParam(request, 'accountId'), sessionId, identity);
  return { account, session, identity };
}

/** The caller of a resource of an agent session: the session named in the path, its account and agent. */
export interface AgentSessionCaller {
  account: Account;
  session: AgentSession;
  identity: AgentIdentity;
}

/** The Chat Agent API's callers: the agent starting a session, or the session a path names. */
export const agentIdentities = callerSlot<AgentIdentity & { signed: boolean }>('agent identity');
export const agentSessions = callerSlot<AgentSessionCaller>('agent session');

/**
 * The Chat Agent API's authentication hook (mount-api.ts): on a session's resources the session
 * (and its agent); on the collection of sessions, only the agent who would start one.
 */
export const authenticateAgent = (core: Core, origin: PublicOriginConfig) => async (request: FastifyRequest) => {
  if (hasPathParam(request, 'sessionId')) agentSessions.set(request, await agentSessionOf(request, core, origin));
  else agentIdentities.set(request, await agentIdentity(request, core, origin));
};

/** What the Chat Agent API's routes need of the server's configuration. */
export type AgentApiConfig = PublicOriginConfig & { keepAliveMs?: number };

/**
 * The session cookie set for unsigned requests, never required (platform §5.7); Secure when the
 * public origin is https.
 */
export const agentSessionCookie = (session: AgentSession, isSecure: boolean): string =>
  `${AGENT_SESSION_COOKIE}=${session.id}; Path=/api/account/${session.accountId}/agentSession; HttpOnly${isSecure ? '; Secure' : ''}`;

/** The chat a chat resource's path names, with its URLs; an id of the wrong shape is no chat. */
export function chatPath(
  request: FastifyRequest,
  session: AgentSession,
  origin: PublicOriginConfig,
): { chatId: string; baseUrl: string; url: string } {
  const chatId = pathParam(request, 'chatId');
  if (!CHAT_ID_PATTERN.test(chatId)) throw new AppError(ErrorCode.NOT_FOUND, 'Chat not found');
  const baseUrl = publicBaseUrl(request, origin);
  return { chatId, baseUrl, url: agentChatUrl(baseUrl, session, chatId) };
}
