import { createHash } from 'node:crypto';
import type { ListedAgent } from '../../core/agents/agent-directory.js';
import type { Account, Skill, User } from '../../core/model.js';
import type { AgentSession, Chat, ChatEvent } from '../../core/chats/chat-model.js';
import { isoWithOffset } from '../legacy/time-format.js';
import { visitIdOf } from '../../core/chats/chat-ids.js';
import {
  bothLink,
  link,
  nextFrom,
  numberIfDigits,
  oneOrMany,
  presentEvent,
  typingOf,
} from '../visitor-api/chat-presenter.js';

type Document = Record<string, unknown>;

export const sessionUrl = (baseUrl: string, session: AgentSession) =>
  `${baseUrl}/api/account/${session.accountId}/agentSession/${session.id}`;
export const agentChatUrl = (baseUrl: string, session: AgentSession, chatId: string) =>
  `${sessionUrl(baseUrl, session)}/chat/${chatId}`;

/** Chat states of the agent list, as codes (chat-agent-api §3.5). */
export const CHAT_STATE_CODE = { Offline: '1', Online: '2', Occupied: '3', Away: '4' } as const;

const privilegeGroup = (user: User) =>
  user.role === 'admin' ? 'administrators' : user.role === 'manager' ? 'agentManagers' : 'agents';

/** A 22-character id derived from the chat, for clients that require the monitoring ids (§3.17). */
const placeholderId = (chat: Chat, salt: string) =>
  createHash('sha256').update(`${salt}:${chat.id}`).digest('base64url').slice(0, 22);

const numberOr = (value: string | undefined, fallback: number): number | string =>
  value === undefined ? fallback : numberIfDigits(value);

/**
 * Chat information as the agent side shows it (§3.17): every field typed clients require, the
 * monitoring values echoed from the request or, when absent, server-made placeholders; the unset
 * visitor name is "visitor". Embedded links use `@` keys only, the stand-alone resource both.
 */
export function presentAgentInfo(chat: Chat, account: Account, url: string, form: 'embedded' | 'standalone'): Document {
  const makeLink = form === 'embedded' ? link : bothLink;
  const zone = account.settings.timeZone;
  const info: Document = {
    link: [
      makeLink(`${url}/info`, 'self'),
      makeLink(`${url}/info/visitorName`, 'visitor-name'),
      makeLink(`${url}/info/visitorTyping`, 'visitor-typing'),
      makeLink(`${url}/info/agentTyping`, 'agent-typing'),
    ],
    state: chat.state,
    chatSessionKey: chat.id,
    agentName: chat.agentName ?? '',
    agentId: chat.agentUserId ?? -1,
    startTime: isoWithOffset(chat.startTime, zone),
    duration: 0,
    lastUpdate: isoWithOffset(chat.lastUpdate, zone),
    chatTimeout: chat.interactionTimeoutSeconds,
    visitorId: chat.visitorId,
    agentTyping: typingOf(chat, 'agent'),
    visitorTyping: typingOf(chat, 'visitor'),
    visitorName: chat.visitorName ?? 'visitor',
    rtSessionId: chat.rtSessionId,
    sharkVisitorId: chat.echo.LETagVisitorId ?? placeholderId(chat, 'visitor'),
    sharkSessionId: chat.echo.LETagSessionId ?? placeholderId(chat, 'session'),
    sharkContextId: numberOr(chat.echo.LETagContextId, 1),
    engagementId: numberOr(chat.echo.engagementId, -1),
    campaignId: numberOr(chat.echo.campaignId, -1),
    language: chat.echo.language ?? 'en-US',
  };
  if (chat.echo.participantId !== undefined) info.participantId = chat.echo.participantId;
  return info;
}

export function presentAgentEvents(
  url: string,
  chat: Chat,
  events: ChatEvent[],
  account: Account,
  from: number,
  duplicateKeys = false,
): Document {
  const next = nextFrom(chat, from);
  const makeLink = duplicateKeys ? bothLink : link;
  const rendered = events.map((event) => {
    const base = presentEvent(event, account, 'number', 'agent');
    if (!duplicateKeys) return base;
    // The multi-chat resource is documented with plain keys (§3.11): both spellings.
    const { '@id': id, '@type': type, ...rest } = base;
    return { '@id': id, '@type': type, id: event.id, type: event.type, ...rest };
  });
  const event = oneOrMany(rendered);
  return {
    link: [makeLink(`${url}/events`, 'self'), makeLink(`${url}/events?from=${next}`, 'next')],
    ...(event === undefined ? {} : { event }),
  };
}

/** The chat resource (§3.13): 9 links in the documented order, events, info. */
export function presentAgentChat(
  baseUrl: string,
  session: AgentSession,
  chat: Chat,
  events: ChatEvent[],
  account: Account,
  from: number,
  duplicateKeys = false,
): Document {
  const url = agentChatUrl(baseUrl, session, chat.id);
  const makeLink = duplicateKeys ? bothLink : link;
  const next = nextFrom(chat, from);
  return {
    link: [
      makeLink(url, 'self'),
      makeLink(`${url}/events`, 'events'),
      makeLink(`${url}/info`, 'info'),
      makeLink(`${url}?from=${next}`, 'next'),
      makeLink(`${url}/collaborationChannels`, 'collaboration-channels'),
      makeLink(`${sessionUrl(baseUrl, session)}/visits/visit/${visitIdOf(chat.id)}`, 'visit-id'),
      makeLink(`${url}/transfer`, 'transfer'),
      makeLink(`${url}/transferAccount`, 'transfer-account'),
      makeLink(`${url}/survey`, 'agent-survey'),
    ],
    events: presentAgentEvents(url, chat, events, account, from, duplicateKeys),
    // Both link spellings in the multi-chat resource (§6 item 3); the fields are the same.
    info: presentAgentInfo(chat, account, url, duplicateKeys ? 'standalone' : 'embedded'),
  };
}

const skillsOf = (user: User, skills: Map<number, Skill>) => {
  const own = user.skillIds.flatMap((id) => {
    const skill = skills.get(id);
    return skill === undefined || skill.deleted ? [] : [skill];
  });
  return {
    skills: own.length === 0 ? null : { skill: oneOrMany(own.map((skill) => String(skill.id))) },
    skillsInfo:
      own.length === 0
        ? null
        : { skillInfo: oneOrMany(own.map((skill) => ({ id: String(skill.id), name: skill.name }))) },
  };
};

/** Agent information (§3.7): ids and maxChats as strings, one skill as an object. */
export function presentAgentInfoResource(
  url: string,
  user: User,
  session: AgentSession,
  skills: Map<number, Skill>,
): Document {
  const { skillsInfo } = skillsOf(user, skills);
  return {
    info: {
      link: link(`${url}/info`, 'self'),
      agentName: user.nickname || user.loginName,
      displayName: user.fullName || user.nickname || user.loginName,
      loginName: user.loginName,
      id: String(user.id),
      maxChats: String(user.maxChats),
      availability: { chat: session.availability, voice: 'Offline' },
      // Documented as optional (§3.7): present when the agent gave a reason with its availability.
      ...(session.chatReasonId == null ? {} : { chatReasonId: session.chatReasonId }),
      skillsInfo,
    },
  };
}

/** One entry of the agent list (§3.5): attributes as strings, `chats` omitted when none. */
export function presentListedAgent(agent: ListedAgent, skills: Map<number, Skill>): Document {
  const { user } = agent;
  return {
    '@id': String(user.id),
    '@chatState': CHAT_STATE_CODE[agent.state],
    '@voiceState': '1',
    '@maxChats': String(user.maxChats),
    userName: user.loginName,
    nickname: user.nickname || user.loginName,
    email: user.email,
    privilegeGroup: privilegeGroup(user),
    ...skillsOf(user, skills),
    ...(agent.chats > 0 ? { chats: String(agent.chats) } : {}),
    ...(agent.chatReasonId === null ? {} : { chatReasonId: agent.chatReasonId }),
    agentGroupName: 'Main Group',
    agentGroupId: '-1',
    elapsedTimeInState: String(Math.max(0, agent.sinceMs)),
  };
}

/** Where a posted event lives (§3.15–3.16): a line answers chatEventLocation, the end chatLocation. */
export const presentEventLocation = (href: string, kind: 'line' | 'end'): Document => ({
  [kind === 'line' ? 'chatEventLocation' : 'chatLocation']: { link: link(href, 'location') },
});

/** Skills a chat can be transferred to (§3.22): ids and counts as strings. */
export function presentTransferSkills(skills: { skill: Skill; onlineAgents: number }[]): Document {
  const skill = oneOrMany(
    skills.map((entry) => ({
      id: String(entry.skill.id),
      name: entry.skill.name,
      onlineAgents: String(entry.onlineAgents),
    })),
  );
  return { transfer: skill === undefined ? {} : { skill } };
}

/** Several chats at once (§3.11), each from its own event, with both link and event key spellings. */
export function presentAgentChats(
  baseUrl: string,
  session: AgentSession,
  reads: { chat: Chat; events: ChatEvent[]; from: number }[],
  account: Account,
): Document {
  const chat = oneOrMany(
    reads.map((read) => presentAgentChat(baseUrl, session, read.chat, read.events, account, read.from, true)),
  );
  return { chats: chat === undefined ? {} : { chat } };
}
