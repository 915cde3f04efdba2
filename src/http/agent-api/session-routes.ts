import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/create-core.js';
import { ChatState } from '../../core/chats/chat-model.js';
import { effectiveAvailability, sessionsByUser } from '../../core/agents/router.js';
import { wholeNumber } from '../legacy/whole-number.js';
import { ChatError, ErrorCode, isChatError } from '../../core/errors.js';
import { parseLeadingDigits } from '../legacy/lenient-query.js';
import { pathParam, queryParam, sendEmpty, sendLegacy } from '../legacy/respond.js';
import { registerResource } from '../legacy/resource.js';
import { publicBaseUrl, publicScheme, type PublicOriginConfig } from '../public-origin.js';
import { bothLink, link, oneOrMany } from '../visitor-api/chat-presenter.js';
import { isoWithOffset } from '../legacy/time-format.js';
import { optionalQuery } from '../visitor-api/visitor-request.js';
import { AGENT_SESSION_COOKIE, agentIdentity, agentSessionOf } from './agent-request.js';
import { streamAgentSession } from '../realtime/agent-stream.js';
import {
  agentChatUrl,
  presentAgentChat,
  presentAgentInfoResource,
  presentListedAgent,
  sessionUrl,
  type ListedAgent,
} from './agent-presenter.js';

/** A chat this session may not see: unknown or gone, or held by someone else (chat-agent-api §3.11). */
const isUnseen = (error: unknown): boolean =>
  isChatError(error) && (error.code === ErrorCode.NOT_FOUND || error.code === ErrorCode.FORBIDDEN);

/** Chat Agent API resources of an agent session (chat-agent-api §3.1–3.12). */
export function registerAgentSessionRoutes(
  app: FastifyInstance,
  core: Core,
  origin: PublicOriginConfig & { keepAliveMs?: number },
): void {
  const base = '/:sessionId';

  // §3.1: 201 with the session's location; the body is ignored (identity comes from the bearer).
  registerResource(app, '', {
    POST: async (request, reply) => {
      const identity = await agentIdentity(request, core, origin);
      const session = await core.agents.sessions.start(pathParam(request, 'accountId'), identity);
      const href = sessionUrl(publicBaseUrl(request, origin), session);
      reply.header('Location', href);
      if (!identity.signed) {
        // Set for unsigned requests, never required (platform §5.7).
        const secure = publicScheme(request, origin) === 'https' ? '; Secure' : '';
        reply.header(
          'Set-Cookie',
          `${AGENT_SESSION_COOKIE}=${session.id}; Path=/api/account/${session.accountId}/agentSession; HttpOnly${secure}`,
        );
      }
      return sendLegacy(reply, 201, { agentSessionLocation: { link: link(href, 'location') } });
    },
  });

  // §3.2: the session's resources; with cs=1 also its chats. DELETE ends the session.
  registerResource(app, base, {
    GET: async (request, reply) => {
      const { session } = await agentSessionOf(request, core, origin);
      const url = sessionUrl(publicBaseUrl(request, origin), session);
      const links = [
        link(url, 'self'),
        link(`${url}/availability`, 'availability'),
        link(`${url}/availableAgents`, 'available-agents'),
        link(`${url}/chat/availableSlots`, 'available-slots'),
        link(`${url}/info`, 'info'),
        link(`${url}/incomingRequests`, 'incoming-requests'),
        link(`${url}/chatSessions`, 'chat-sessions'),
      ];
      if (queryParam(request, 'cs') === '1') {
        for (const chat of await core.deps.store.chats.heldBySession(session.accountId, session.id)) {
          links.push(link(agentChatUrl(publicBaseUrl(request, origin), session, chat.id), 'chat-session'));
        }
      }
      return sendLegacy(reply, 200, { agentSessionId: { link: links } });
    },
    DELETE: async (request, reply) => {
      const { session } = await agentSessionOf(request, core, origin);
      await core.agents.sessions.end(session.accountId, session.id);
      return sendEmpty(reply);
    },
  });

  registerResource(app, `${base}/availability`, {
    GET: async (request, reply) => {
      const { session } = await agentSessionOf(request, core, origin);
      return sendLegacy(reply, 200, { availability: { chat: session.availability, voice: 'Offline' } });
    },
    PUT: async (request, reply) => {
      const { session } = await agentSessionOf(request, core, origin);
      const body: unknown = request.body;
      const wrapper = typeof body === 'object' && body !== null ? Reflect.get(body, 'availability') : undefined;
      const value = typeof wrapper === 'object' && wrapper !== null ? Reflect.get(wrapper, 'chat') : undefined;
      const updated = await core.agents.sessions.setAvailability(session, value);
      return sendLegacy(reply, 200, { availability: { chat: updated.availability } });
    },
  });

  // §3.5: every enabled agent of the account, the caller included; filters narrow the list.
  registerResource(app, `${base}/availableAgents`, {
    GET: async (request, reply) => {
      const { session } = await agentSessionOf(request, core, origin);
      const store = core.deps.store;
      const [users, skills, liveSessions, active] = await Promise.all([
        core.administration.listUsers(session.accountId),
        core.administration.listSkills(session.accountId),
        store.agentSessions.listLive(session.accountId),
        store.chats.activeCountByAgent(session.accountId),
      ]);
      const skillById = new Map(skills.map((skill) => [skill.id, skill]));
      const skillFilter = optionalQuery(request, 'skill');
      const stateFilter = optionalQuery(request, 'chatState')?.toLowerCase();
      const skillId =
        skillFilter === undefined
          ? undefined
          : (skills.find((s) => s.name.toLowerCase() === skillFilter.toLowerCase())?.id ?? -1);
      const now = core.deps.clock.now();
      const liveByUser = sessionsByUser(liveSessions);
      const agents: ListedAgent[] = users
        .filter((user) => user.enabled && (skillId === undefined || user.skillIds.includes(skillId)))
        .map((user): ListedAgent => {
          const own = liveByUser.get(user.id) ?? [];
          const state = effectiveAvailability(own) ?? 'Offline';
          // Time in the current state: since the latest change among the sessions in that state.
          const deciding = own.filter((s) => s.availability === state);
          const since = deciding.length === 0 ? now : Math.max(...deciding.map((s) => s.availabilitySince));
          return { user, state, chats: active.get(user.id) ?? 0, sinceMs: now - since };
        })
        .filter((agent) => stateFilter === undefined || agent.state.toLowerCase() === stateFilter);
      const url = `${sessionUrl(publicBaseUrl(request, origin), session)}/availableAgents`;
      const agent = oneOrMany(agents.map((entry) => presentListedAgent(entry, skillById)));
      return sendLegacy(reply, 200, {
        availableAgents: {
          agents: agent === undefined ? {} : { agent },
          link: link(`${url}?timeStamp=${now}`, 'next'),
        },
      });
    },
  });

  registerResource(app, `${base}/chat/availableSlots`, {
    GET: async (request, reply) => {
      const { account } = await agentSessionOf(request, core, origin);
      const agent = optionalQuery(request, 'agent');
      const skill = optionalQuery(request, 'skill');
      const maxWaitTime = optionalQuery(request, 'maxWaitTime');
      wholeNumber(maxWaitTime, 'maxWaitTime', 0, 86_400);
      if (agent !== undefined && (skill !== undefined || maxWaitTime !== undefined)) {
        throw new ChatError(ErrorCode.VALIDATION, 'agent cannot be combined with skill or maxWaitTime', {
          field: 'agent',
        });
      }
      const audience =
        agent !== undefined
          ? { kind: 'agent' as const, loginName: agent }
          : await core.chats.capacity.skillAudience(account, skill);
      return sendLegacy(reply, 200, { availableSlots: await core.chats.capacity.availableSlots(account, audience) });
    },
  });

  registerResource(app, `${base}/info`, {
    GET: async (request, reply) => {
      const { session, identity } = await agentSessionOf(request, core, origin);
      const skills = await core.administration.listSkills(session.accountId);
      const url = sessionUrl(publicBaseUrl(request, origin), session);
      return sendLegacy(
        reply,
        200,
        presentAgentInfoResource(url, identity.user, session, new Map(skills.map((s) => [s.id, s]))),
      );
    },
  });

  // §3.8–3.9: the ring count (a string) with the accept link only while something rings; POST accepts.
  registerResource(app, `${base}/incomingRequests`, {
    GET: async (request, reply) => {
      const { session } = await agentSessionOf(request, core, origin);
      const count = await core.agents.router.ringingCount(session.accountId, session.userId);
      const url = `${sessionUrl(publicBaseUrl(request, origin), session)}/incomingRequests`;
      return sendLegacy(reply, 200, {
        incomingRequests: count > 0 ? { link: link(url, 'next'), ringingCount: String(count) } : { ringingCount: '0' },
      });
    },
    POST: async (request, reply) => {
      const { session, identity } = await agentSessionOf(request, core, origin);
      const chat = await core.agents.router.accept(session.accountId, session, identity.user);
      const href = agentChatUrl(publicBaseUrl(request, origin), session, chat.id);
      reply.header('Location', href);
      return sendLegacy(reply, 201, { chatLocation: { link: link(href, 'location') } });
    },
  });

  // Not in the legacy API: the session's rings, chats and availability as Server-Sent Events.
  registerResource(app, `${base}/stream`, {
    GET: async (request, reply) => {
      const { session } = await agentSessionOf(request, core, origin);
      const baseUrl = publicBaseUrl(request, origin);
      await streamAgentSession({
        core,
        reply,
        session,
        chatHref: (chatId) => agentChatUrl(baseUrl, session, chatId),
        ...(origin.keepAliveMs === undefined ? {} : { keepAliveMs: origin.keepAliveMs }),
      });
      return reply;
    },
  });

  // §3.10: chats this agent holds through its other sessions, to take over.
  registerResource(app, `${base}/chatSessions`, {
    GET: async (request, reply) => {
      const { session } = await agentSessionOf(request, core, origin);
      const chats = await core.agents.chats.otherSessionsChats(session);
      const chatSession = oneOrMany(
        chats.map((chat) => ({
          link: bothLink(agentChatUrl(publicBaseUrl(request, origin), session, chat.id), 'chat-session'),
          chatSessionKey: chat.id,
          startTime: chat.startTime,
        })),
      );
      return sendLegacy(reply, 200, { chatSessions: chatSession === undefined ? {} : { chatSession } });
    },
  });

  // §3.11: several chats at once; keys it cannot see are skipped; no keys → 400.
  registerResource(app, `${base}/chat`, {
    GET: async (request, reply) => {
      const { account, session } = await agentSessionOf(request, core, origin);
      const keys = (queryParam(request, 'chatSessionKeys') ?? '')
        .split(',')
        .map((key) => key.trim())
        .filter(Boolean);
      if (keys.length === 0)
        throw new ChatError(ErrorCode.VALIDATION, 'chatSessionKeys is required', { field: 'chatSessionKeys' });
      const froms = (queryParam(request, 'fromEventIds') ?? '').split(',');
      const chats = [];
      for (const [index, key] of keys.entries()) {
        const raw = froms[index]?.trim();
        const from = raw === undefined || raw === '' ? 0 : parseLeadingDigits(raw);
        if (from === undefined)
          throw new ChatError(ErrorCode.VALIDATION, 'fromEventIds must be numbers', { field: 'fromEventIds' });
        // Only keys it cannot see are skipped (unknown, or not its chat); a failure is not hidden.
        const found = await core.agents.chats.read(session, key, from).catch((error: unknown) => {
          if (isUnseen(error)) return undefined;
          throw error;
        });
        if (found !== undefined)
          chats.push(
            presentAgentChat(publicBaseUrl(request, origin), session, found.chat, found.events, account, from, true),
          );
      }
      const chat = oneOrMany(chats);
      return sendLegacy(reply, 200, { chats: chat === undefined ? {} : { chat } });
    },
  });

  // §3.12: what the authenticated visitor's identity provider vouched for.
  registerResource(app, `${base}/participantExtendedInfo/:participantId`, {
    GET: async (request, reply) => {
      const { session } = await agentSessionOf(request, core, origin);
      const participantId = pathParam(request, 'participantId');
      const claims = await core.agents.chats.participant(session, participantId);
      // The token's own registered claims are about the token, not the visitor.
      const {
        name,
        surname,
        email,
        phone,
        exp: _exp,
        iat: _iat,
        nbf: _nbf,
        iss: _iss,
        aud: _aud,
        jti: _jti,
        ...rest
      } = claims;
      const personal = {
        ...(name === undefined ? {} : { name }),
        ...(surname === undefined ? {} : { surname }),
        ...(email === undefined && phone === undefined
          ? {}
          : { contacts: [{ ...(email === undefined ? {} : { email }), ...(phone === undefined ? {} : { phone }) }] }),
      };
      return sendLegacy(
        reply,
        200,
        {
          authenticatedParticipantInfo: { isUserAuthenticated: true, participantId, ...rest },
          ...(Object.keys(personal).length === 0 ? {} : { authenticatedPersonalInfo: personal }),
        },
        { xmlRoot: 'participantExtendedInfo' },
      );
    },
  });

  // §3.26: the visit behind a chat, as far as Parley knows it.
  registerResource(app, `${base}/visits/visit/:visitId`, {
    GET: async (request, reply) => {
      const { session } = await agentSessionOf(request, core, origin);
      await core.agents.chats.visit(session, pathParam(request, 'visitId'));
      const url = `${sessionUrl(publicBaseUrl(request, origin), session)}/visits/visit/${pathParam(request, 'visitId')}`;
      return sendLegacy(reply, 200, {
        visitId: { link: [link(`${url}/info`, 'info'), link(`${url}/customVariables`, 'custom-variables')] },
      });
    },
  });
  registerResource(app, `${base}/visits/visit/:visitId/info`, {
    GET: async (request, reply) => {
      const { account, session } = await agentSessionOf(request, core, origin);
      const chat = await core.agents.chats.visit(session, pathParam(request, 'visitId'));
      const previousChats = await core.agents.chats.previousChats(chat);
      const url = `${sessionUrl(publicBaseUrl(request, origin), session)}/visits/visit/${pathParam(request, 'visitId')}/info`;
      const info = (pairs: [string, string][]) => ({
        info: oneOrMany(pairs.map(([name, value]) => ({ '@name': name, $: value }))),
      });
      const time = (at: number | null) => (at === null ? undefined : isoWithOffset(at, account.settings.timeZone));
      // surveyInfo and previousChats are Parley's additions (docs/LEGACY-QUIRKS.md): the pre-chat
      // answers and the visitor's earlier chats, which the agent's visitor panel shows.
      const answers = chat.preChatSurvey?.answers ?? [];
      const previous = oneOrMany(
        previousChats.map((earlier) => ({
          '@id': earlier.id,
          state: earlier.state,
          startTime: time(earlier.startTime),
          endTime: time(earlier.endedAt),
          skillName: earlier.skillName ?? undefined,
          agentName: earlier.agentName ?? undefined,
        })),
      );
      return sendLegacy(reply, 200, {
        visitInfo: {
          link: link(url, 'self'),
          isInCurrentChat: chat.state !== ChatState.ENDED,
          visitorId: chat.visitorId,
          sessionInfo: info([
            ['ip', chat.visitor.visitorIp],
            ['referrer', chat.visitor.referrer],
          ]),
          visitorInfo: info([
            ['userAgent', chat.visitor.userAgent],
            ['visitorName', chat.visitorName ?? 'visitor'],
          ]),
          time: info([['startTime', String(chat.startTime)]]),
          ...(answers.length === 0
            ? {}
            : {
                surveyInfo: info(
                  answers.map((answer) => [
                    answer.label,
                    Array.isArray(answer.answer) ? answer.answer.join(', ') : answer.answer,
                  ]),
                ),
              }),
          ...(previous === undefined ? {} : { previousChats: { chat: previous } }),
        },
      });
    },
  });
  registerResource(app, `${base}/visits/visit/:visitId/customVariables`, {
    GET: async (request, reply) => {
      const { account, session } = await agentSessionOf(request, core, origin);
      const chat = await core.agents.chats.visit(session, pathParam(request, 'visitId'));
      const url = `${sessionUrl(publicBaseUrl(request, origin), session)}/visits/visit/${pathParam(request, 'visitId')}/customVariables`;
      const customVariable = oneOrMany(
        chat.customVariables.map((variable) => ({
          '@source': 'visitor',
          '@scope': 'session',
          name: variable.name,
          // When each variable was set is not kept; the chat's start is when the visit began.
          time: isoWithOffset(chat.startTime, account.settings.timeZone),
          displayName: variable.name,
          value: variable.value,
        })),
      );
      return sendLegacy(reply, 200, {
        customVariables: { link: link(url, 'self'), ...(customVariable === undefined ? {} : { customVariable }) },
      });
    },
  });
}
