import type { Account } from '../../core/model.js';
import { ChatState, type Chat, type ChatEvent } from '../../core/chats/chat-model.js';
import { isoWithOffset } from '../legacy/time-format.js';

type Link = Record<string, string>;
type Document = Record<string, unknown>;

/** `@href` first, `@rel` second: positional readers take values 0 and 1 (server-chat §1.5). */
export const link = (href: string, rel: string): Link => ({ '@href': href, '@rel': rel });

/**
 * Both spellings, `@href`, `@rel`, `href`, `rel` in that order, where the docs show unprefixed links:
 * the stand-alone /info here (server-chat §1.7, §9 item 6), chatSessions, multi-chat and /info on
 * the agent side (chat-agent-api §1.5).
 */
export const bothLink = (href: string, rel: string): Link => ({ '@href': href, '@rel': rel, href, rel });

/** One element as a bare object, several as an array, none absent (server-chat §1.5). */
export const oneOrMany = <T>(items: T[]): T | T[] | undefined =>
  items.length === 0 ? undefined : items.length === 1 ? items[0] : items;

/** Where a chat's resources live: `{public base}/api/account/{a}/chat/{id}`. */
export const chatUrl = (baseUrl: string, chat: Chat) => `${baseUrl}/api/account/${chat.accountId}/chat/${chat.id}`;

/**
 * One event in the legacy shape, keys in the documented order (server-chat §4.2): `@id` (a string),
 * `@type`, `time`, then `state`, or `textType`, `text`, `json`, `by`, `source`, `systemMessageId`,
 * `subType`. `systemMessageId` is a number in the chat resource and a string in the events
 * resource, as each page documents (§9 item 5).
 */
export function presentEvent(
  event: ChatEvent,
  account: Account,
  systemMessageIdAs: 'number' | 'string',
  audience: 'visitor' | 'agent' = 'visitor',
): Document {
  // Built by assignment, in the documented order: every answer renders every event it carries,
  // and spreading a dozen small objects per event was most of a poll's own rendering time.
  const presented: Document = {
    '@id': String(event.id),
    '@type': event.type,
    time: isoWithOffset(event.time, account.settings.timeZone),
  };
  if (event.type === 'state') {
    presented.state = event.state;
    return presented;
  }
  // Agent-only (docs/SHARED-CHATS.md): the visitor's reads never hold one.
  if (event.type === 'participant') return Object.assign(presented, presentParticipantChange(event));
  presented.textType = event.textType ?? 'plain';
  presented.text = event.text ?? '';
  if (event.textType === 'rich-content' && event.json !== undefined) presented.json = event.json;
  presented.by = event.by ?? '';
  presented.source = event.source;
  if (event.systemMessageId !== undefined)
    presented.systemMessageId = systemMessageIdAs === 'number' ? event.systemMessageId : String(event.systemMessageId);
  presented.subType = event.subType ?? 'REGULAR';
  // Who of the participants wrote it, and what it suggests: for agents only.
  if (audience === 'agent') {
    if (event.author !== undefined) {
      presented.participantRole = event.author.role;
      presented.agentId = String(event.author.userId);
    }
    if (event.suggestedReply !== undefined) presented.suggestedReply = event.suggestedReply;
  }
  return presented;
}

/** A `participant` event's fields after `@id`, `@type` and `time`. */
function presentParticipantChange(event: ChatEvent): Document {
  const change = event.participant;
  return {
    action: change?.action ?? '',
    role: change?.role ?? '',
    agentId: change?.userId == null ? '' : String(change.userId),
    agentName: change?.name ?? '',
    ...(change?.invitationId === undefined ? {} : { invitationId: change.invitationId }),
    ...(change?.skillId === undefined ? {} : { skillId: String(change.skillId) }),
    by: event.by ?? '',
    subType: event.subType ?? 'ONLY_TO_REP',
  };
}

/** A typing flag is shown only while chatting: one left set when the chat ended or was requeued is not. */
export const typingOf = (chat: Chat, side: 'agent' | 'visitor'): 'typing' | 'not-typing' =>
  (side === 'agent' ? chat.agentTyping : chat.visitorTyping) && chat.state === ChatState.CHATTING
    ? 'typing'
    : 'not-typing';

/** The visitor's name as the visitor sees it: `You` until one is set (§3.13). */
export const visitorNameOf = (chat: Chat): string => chat.visitorName ?? 'You';

/** The agent's typing flag; `unknown` while no agent holds the chat (§3.15). */
export const agentTypingOf = (chat: Chat): 'typing' | 'not-typing' | 'unknown' =>
  chat.agentUserId === null ? 'unknown' : typingOf(chat, 'agent');

/** `next` is one past the highest event id, or the request's `from` when nothing is newer (§3.9). */
export const nextFrom = (chat: Chat, from: number) => Math.max(from, chat.nextEventId);

export function presentEvents(
  chat: Chat,
  events: ChatEvent[],
  account: Account,
  baseUrl: string,
  from: number,
  systemMessageIdAs: 'number' | 'string',
): Document {
  const url = `${chatUrl(baseUrl, chat)}/events`;
  const rendered = oneOrMany(events.map((event) => presentEvent(event, account, systemMessageIdAs)));
  return {
    link: [link(url, 'self'), link(`${url}?from=${nextFrom(chat, from)}`, 'next')],
    ...(rendered === undefined ? {} : { event: rendered }),
  };
}

/** Digits become a number (the chat resource types them), anything else stays as given. */
export const numberIfDigits = (value: string): string | number => (/^-?\d{1,15}$/.test(value) ? Number(value) : value);

/**
 * Chat information (server-chat §3.12). Embedded in the chat resource: `@href`/`@rel` links and
 * numeric `sharkContextId`/`engagementId`/`campaignId`; stand-alone: both link spellings and
 * string-typed ones (§9 item 6). Agent fields appear once an agent has accepted; echoed request
 * values only when the request carried them.
 */
export function presentInfo(chat: Chat, account: Account, baseUrl: string, form: 'embedded' | 'standalone'): Document {
  const url = `${chatUrl(baseUrl, chat)}/info`;
  const makeLink = form === 'embedded' ? link : bothLink;
  const zone = account.settings.timeZone;
  const typed = (value: string | undefined) =>
    value === undefined ? undefined : form === 'embedded' ? numberIfDigits(value) : value;
  const entries: [string, unknown][] = [
    [
      'link',
      [
        makeLink(url, 'self'),
        makeLink(`${url}/visitorName`, 'visitor-name'),
        makeLink(`${url}/visitorTyping`, 'visitor-typing'),
        makeLink(`${url}/agentTyping`, 'agent-typing'),
      ],
    ],
    ['state', chat.state],
    ['chatSessionKey', chat.id],
    ['skillName', chat.skillName ?? undefined],
    ['skillId', chat.skillId ?? undefined],
    ['agentName', chat.agentName ?? undefined],
    ['agentId', chat.agentUserId ?? undefined],
    ['startTime', isoWithOffset(chat.startTime, zone)],
    // Every source example shows 0 (§9 item 15).
    ['duration', 0],
    ['lastUpdate', isoWithOffset(chat.lastUpdate, zone)],
    ['chatTimeout', chat.interactionTimeoutSeconds],
    ['visitorId', chat.visitorId],
    ['agentTyping', typingOf(chat, 'agent')],
    ['visitorTyping', typingOf(chat, 'visitor')],
    ['visitorName', visitorNameOf(chat)],
    ['rtSessionId', chat.rtSessionId],
    ['sharkVisitorId', chat.echo.LETagVisitorId],
    ['sharkSessionId', chat.echo.LETagSessionId],
    ['sharkContextId', typed(chat.echo.LETagContextId)],
    ['engagementId', typed(chat.echo.engagementId)],
    ['campaignId', typed(chat.echo.campaignId)],
    ['language', chat.echo.language],
    ['participantId', chat.echo.participantId],
  ];
  return Object.fromEntries(entries.filter(([, value]) => value !== undefined));
}

/** The chat resource (server-chat §3.9): 8 links in the fixed order, then events, then info. */
export function presentChat(
  chat: Chat,
  events: ChatEvent[],
  account: Account,
  baseUrl: string,
  from: number,
): Document {
  const url = chatUrl(baseUrl, chat);
  return {
    chat: {
      link: [
        link(url, 'self'),
        link(`${url}/events`, 'events'),
        link(`${url}/info`, 'info'),
        link(`${url}?from=${nextFrom(chat, from)}`, 'next'),
        link(`${url}/transcriptRequest`, 'transcript-request'),
        link(`${url}/transcriptWithSubjectRequest`, 'transcript-with-subject-request'),
        link(`${url}/exitSurvey`, 'exit-survey'),
        link(`${url}/customVariables`, 'custom-variables'),
      ],
      events: presentEvents(chat, events, account, baseUrl, from, 'number'),
      info: presentInfo(chat, account, baseUrl, 'embedded'),
    },
  };
}
