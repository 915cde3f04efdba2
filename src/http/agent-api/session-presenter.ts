import type { Skill } from '../../core/model.js';
import type { AgentSession, Chat } from '../../core/chats/chat-model.js';
import type { ListedAgent } from '../../core/agents/agent-directory.js';
import { bothLink, link, oneOrMany } from '../visitor-api/chat-presenter.js';
import { agentChatUrl, presentListedAgent, sessionUrl } from './agent-presenter.js';

type Document = Record<string, unknown>;

/** Where a new agent session lives (chat-agent-api §3.1). */
export const presentSessionLocation = (href: string): Document => ({
  agentSessionLocation: { link: link(href, 'location') },
});

/** The session's resources (§3.2), and with `cs=1` one `chat-session` link per chat it holds. */
export function presentSession(baseUrl: string, session: AgentSession, chats: Chat[]): Document {
  const url = sessionUrl(baseUrl, session);
  return {
    agentSessionId: {
      link: [
        link(url, 'self'),
        link(`${url}/availability`, 'availability'),
        link(`${url}/availableAgents`, 'available-agents'),
        link(`${url}/chat/availableSlots`, 'available-slots'),
        link(`${url}/info`, 'info'),
        link(`${url}/incomingRequests`, 'incoming-requests'),
        link(`${url}/chatSessions`, 'chat-sessions'),
        ...chats.map((chat) => link(agentChatUrl(baseUrl, session, chat.id), 'chat-session')),
      ],
    },
  };
}

/** The reason given with the availability (§3.4), only when there is one. */
const reasonOf = (session: AgentSession): Document =>
  session.chatReasonId == null ? {} : { chatReasonId: session.chatReasonId };

/** The session's availability (§3.3): voice is always Offline; the reason when one was given. */
export const presentAvailability = (session: AgentSession): Document => ({
  availability: { chat: session.availability, voice: 'Offline', ...reasonOf(session) },
});

/** The availability just set (§3.4): chat alone, as documented (GET reports the reason). */
export const presentAvailabilitySet = (session: AgentSession): Document => ({
  availability: { chat: session.availability },
});

/** The agent list (§3.5), with a `next` link stamped with the time it was read. */
export function presentAvailableAgents(
  url: string,
  listing: { agents: ListedAgent[]; skills: Skill[]; now: number },
): Document {
  const skillById = new Map(listing.skills.map((skill) => [skill.id, skill]));
  const agent = oneOrMany(listing.agents.map((entry) => presentListedAgent(entry, skillById)));
  return {
    availableAgents: {
      agents: agent === undefined ? {} : { agent },
      link: link(`${url}?timeStamp=${listing.now}`, 'next'),
    },
  };
}

export const presentAvailableSlots = (slots: number): Document => ({ availableSlots: slots });

/** The ring count (§3.8), a string, with the accept link only while something rings. */
export const presentIncomingRequests = (url: string, count: number): Document => ({
  incomingRequests: count > 0 ? { link: link(url, 'next'), ringingCount: String(count) } : { ringingCount: '0' },
});

/** Where the accepted chat lives (§3.9). */
export const presentChatLocation = (href: string): Document => ({ chatLocation: { link: link(href, 'location') } });

/** Chats held through the agent's other sessions (§3.10). */
export function presentChatSessions(baseUrl: string, session: AgentSession, chats: Chat[]): Document {
  const chatSession = oneOrMany(
    chats.map((chat) => ({
      link: bothLink(agentChatUrl(baseUrl, session, chat.id), 'chat-session'),
      chatSessionKey: chat.id,
      startTime: chat.startTime,
    })),
  );
  return { chatSessions: chatSession === undefined ? {} : { chatSession } };
}

/**
 * What the authenticated visitor's identity provider vouched for (§3.12). The token's own
 * registered claims are about the token, not the visitor.
 */
export function presentParticipant(participantId: string, claims: Record<string, unknown>): Document {
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
  return {
    authenticatedParticipantInfo: { isUserAuthenticated: true, participantId, ...rest },
    ...(Object.keys(personal).length === 0 ? {} : { authenticatedPersonalInfo: personal }),
  };
}
