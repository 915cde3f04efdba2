/**
 * Shared chats (a Parley addition, docs/SHARED-CHATS.md): the shapes of live chats, participants
 * and invitations as the SDK hands them out, and the readers of their wire forms. Lists are arrays
 * in these resources, but the readers still take one object for a list, as everywhere in the SDK.
 */
import { asNumber, asText, isRecord, lastSegment, linkHref, listOf, member } from './json.js';

/** A participant's role in a chat; the holder is the agent who accepted it (or took it over). */
export type ParticipantRole = 'listener' | 'assistant';

/** A waiting or in-progress chat the session may listen to (`GET …/liveChats`). */
export interface LiveChat {
  chatId: string;
  state: 'waiting' | 'chatting';
  /** null for a chat that asked for no skill (any agent may take it). */
  skillId: number | null;
  skill: string | null;
  visitorName: string;
  /** The holder; null while nobody holds the chat. */
  agentId: number | null;
  agentName: string | null;
  /** Epoch ms by the server's clock. */
  startTime: number;
  /** Since when the chat waits (epoch ms); null once an agent holds it. */
  queuedAt: number | null;
  /** When the last line was written (epoch ms); null before the first. */
  lastLineTime: number | null;
  /** How many participants are in the chat besides the holder. */
  participants: number;
  /** This session's role in the chat, or null when it is not in it. */
  joinedAs: ParticipantRole | null;
}

/** What `AgentClient.liveChats()` yields. */
export type LiveChatsUpdate =
  /** The whole list: first, and again after a reconnect (what changed meanwhile is in it). */
  | { type: 'synced'; chats: LiveChat[] }
  /** One entry added or changed. */
  | { type: 'chat'; chat: LiveChat }
  /** A chat ended or left the session's scope. */
  | { type: 'gone'; chatId: string };

/** Who is in a chat (`GET …/chat/{chatId}/participants`). */
export interface ChatParticipants {
  /** null while the chat waits. */
  holder: { agentId: number; agentName: string } | null;
  participants: {
    /** The participant's agent session id. */
    id: string;
    agentId: number;
    agentName: string;
    role: ParticipantRole;
    /** Epoch ms. */
    joinedAt: number;
  }[];
  /** Open invitations: to a user (`agentId`) or to anyone with a skill (`skillId`). */
  invitations: { id: string; agentId: number | null; skillId: number | null; invitedBy: string; time: number }[];
}

/** An invitation to assist in a chat, as the invitee's session reads it. */
export interface InvitationNotice {
  id: string;
  chatId: string;
  /** The chat's skill name; null when it has none. */
  skill: string | null;
  visitorName: string;
  /** The nickname of the holder who invited. */
  invitedBy: string;
  note: string;
  /** When it was sent, epoch ms by the server's clock. */
  time: number;
  /** `closed` once it is answered (by anyone), withdrawn, or its chat ended. */
  state: 'open' | 'closed';
}

/** A change in the chats this session is a participant of (the session stream's `participation`). */
export interface ParticipationNotice {
  chatId: string;
  role: ParticipantRole | null;
  /** `holder`: the session took the chat over. */
  state: 'joined' | 'left' | 'ended' | 'holder' | (string & Record<never, never>);
}

/** An instant as epoch ms: a number, digits, or an ISO-8601 date; undefined for empty or unreadable. */
export function epochOf(value: unknown): number | undefined {
  const number = asNumber(value);
  if (number !== undefined) return number;
  const text = asText(value);
  if (text === undefined || text === '') return undefined;
  const parsed = Date.parse(text);
  return Number.isNaN(parsed) ? undefined : parsed;
}

/** A text that is empty when absent: null. */
const textOrNull = (value: unknown): string | null => {
  const text = asText(value);
  return text === undefined || text === '' ? null : text;
};

const asRole = (value: unknown): ParticipantRole | null =>
  value === 'listener' || value === 'assistant' ? value : null;

/** One live chat entry; undefined without a chat id. */
export function parseLiveChat(value: unknown): LiveChat | undefined {
  const chatId = asText(member(value, 'chatId'));
  if (chatId === undefined || chatId === '') return undefined;
  return {
    chatId,
    state: member(value, 'state') === 'waiting' ? 'waiting' : 'chatting',
    skillId: asNumber(member(value, 'skillId')) ?? null,
    skill: textOrNull(member(value, 'skill')),
    visitorName: asText(member(value, 'visitorName')) ?? '',
    agentId: asNumber(member(value, 'agentId')) ?? null,
    agentName: textOrNull(member(value, 'agentName')),
    startTime: epochOf(member(value, 'startTime')) ?? 0,
    queuedAt: epochOf(member(value, 'queuedAt')) ?? null,
    lastLineTime: epochOf(member(value, 'lastLineTime')) ?? null,
    participants: asNumber(member(value, 'participants')) ?? 0,
    joinedAs: asRole(member(value, 'joinedAs')),
  };
}

/** `{"liveChats": …}`: the entries and the version to long-poll with. */
export function parseLiveChats(body: unknown): { chats: LiveChat[]; version: string | undefined } {
  const root = member(body, 'liveChats');
  const chats = listOf(member(root, 'chat')).flatMap((entry) => {
    const chat = parseLiveChat(entry);
    return chat === undefined ? [] : [chat];
  });
  const next = linkHref(member(root, 'link'), 'next');
  const seen = next === undefined ? undefined : /[?&]seen=([^&#]+)/.exec(next)?.[1];
  return { chats, version: textOrNull(member(root, 'version')) ?? seen ?? undefined };
}

/** `{"participants": …}` as ChatParticipants; entries without an id are left out. */
export function parseParticipants(body: unknown): ChatParticipants {
  const root = member(body, 'participants');
  const holder = member(root, 'holder');
  const holderId = asNumber(member(holder, 'agentId'));
  return {
    holder:
      isRecord(holder) && holderId !== undefined
        ? { agentId: holderId, agentName: asText(member(holder, 'agentName')) ?? '' }
        : null,
    participants: listOf(member(root, 'participant')).flatMap((entry) => {
      const id = asText(member(entry, 'id'));
      const agentId = asNumber(member(entry, 'agentId'));
      const role = asRole(member(entry, 'role'));
      if (id === undefined || agentId === undefined || role === null) return [];
      return [
        {
          id,
          agentId,
          agentName: asText(member(entry, 'agentName')) ?? '',
          role,
          joinedAt: epochOf(member(entry, 'joinedAt')) ?? 0,
        },
      ];
    }),
    invitations: listOf(member(root, 'invitation')).flatMap((entry) => {
      const id = asText(member(entry, 'id'));
      if (id === undefined || id === '') return [];
      return [
        {
          id,
          agentId: asNumber(member(entry, 'agentId')) ?? null,
          skillId: asNumber(member(entry, 'skillId')) ?? null,
          invitedBy: asText(member(entry, 'invitedBy')) ?? '',
          time: epochOf(member(entry, 'time')) ?? 0,
        },
      ];
    }),
  };
}

/**
 * An invitation from the session stream or from `GET …/invitations` (whose entries carry no state:
 * they are the open ones); undefined without an id or chat id.
 */
export function parseInvitationNotice(value: unknown, now: number): InvitationNotice | undefined {
  const id = asText(member(value, 'id'));
  const href = asText(member(value, 'href'));
  const chatId = asText(member(value, 'chatId')) ?? (href === undefined ? undefined : chatIdOfHref(href));
  if (id === undefined || id === '' || chatId === undefined || chatId === '') return undefined;
  return {
    id,
    chatId,
    skill: textOrNull(member(value, 'skill')),
    visitorName: asText(member(value, 'visitorName')) ?? '',
    invitedBy: asText(member(value, 'invitedBy')) ?? '',
    note: asText(member(value, 'note')) ?? '',
    time: epochOf(member(value, 'time')) ?? now,
    state: member(value, 'state') === 'closed' ? 'closed' : 'open',
  };
}

/** `{"invitations": …}`: the open invitations addressed to the session's user. */
export function parseInvitations(body: unknown, now: number): InvitationNotice[] {
  return listOf(member(member(body, 'invitations'), 'invitation')).flatMap((entry) => {
    const invitation = parseInvitationNotice(entry, now);
    return invitation === undefined ? [] : [invitation];
  });
}

/** A session stream `participation` message; undefined without a chat or a state. */
export function parseParticipationNotice(value: unknown): ParticipationNotice | undefined {
  const href = asText(member(value, 'href'));
  const chatId = asText(member(value, 'chatId')) ?? (href === undefined ? undefined : chatIdOfHref(href));
  const state = asText(member(value, 'state'));
  if (chatId === undefined || chatId === '' || state === undefined) return undefined;
  return { chatId, role: asRole(member(value, 'role')), state };
}

/** The chat id in `…/chat/{chatId}` (or anything below it). */
function chatIdOfHref(href: string): string | undefined {
  const match = /\/chat\/([^/?#]+)/.exec(href);
  return match?.[1] === undefined ? undefined : lastSegment(match[1]);
}

/** The id in the `Location` of a created resource (the last path segment), from either place. */
export function createdId(body: unknown, rootName: string, location: string | null): string {
  const href = linkHref(member(member(body, rootName), 'link'), 'location') ?? location ?? '';
  return lastSegment(href);
}
