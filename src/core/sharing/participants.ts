import { AppError, ErrorCode } from '../errors.js';
import type { Account, User } from '../model.js';
import { systemLine } from '../chats/chat-events.js';
import {
  ChatState,
  LineSource,
  ParticipantRole,
  SubType,
  type Chat,
  type NewChatEvent,
  type Participant,
  type ParticipantChange,
} from '../chats/chat-model.js';
import type { ChatChange } from '../chats/chat-writer.js';

/** System lines the visitor sees when an assistant joins or leaves (docs/SHARED-CHATS.md). */
export const ASSISTANT_JOINED_LINE = 30;
export const ASSISTANT_LEFT_LINE = 31;

export const displayName = (user: User): string => user.nickname || user.loginName;

export const participantOf = (chat: Chat, sessionId: string): Participant | undefined =>
  chat.participants.find((participant) => participant.sessionId === sessionId);

/**
 * An agent-only event saying who joined, left, was invited…; `by` is who did it (the holder for an
 * invitation), the agent it is about by default.
 */
export function participantEvent(change: ParticipantChange, time: number, by = change.name): NewChatEvent {
  return { type: 'participant', time, by, subType: SubType.ONLY_TO_REP, participant: change };
}

const notIn = () => new AppError(ErrorCode.FORBIDDEN, 'This agent session is not in the chat');
export const chatEnded = () => new AppError(ErrorCode.STATE_CONFLICT, 'The chat has ended');

/**
 * The session joins the chat (or changes its role): a `joined` or `role` event, and for an
 * assistant the visitor's system line 30. The same role again changes nothing.
 */
export function joinChange(
  account: Account,
  chat: Chat,
  session: { id: string; userId: number },
  user: User,
  role: ParticipantRole,
  now: number,
  extra: Partial<ParticipantChange> = {},
): ChatChange {
  if (chat.state === ChatState.ENDED) throw chatEnded();
  if (chat.agentUserId === user.id)
    throw new AppError(ErrorCode.STATE_CONFLICT, 'The agent holding the chat cannot also join it');
  const name = displayName(user);
  const current = participantOf(chat, session.id);
  if (current?.role === role) return { chat, events: [] };
  const joined: Participant = {
    sessionId: session.id,
    userId: user.id,
    name,
    role,
    joinedAt: current?.joinedAt ?? now,
  };
  const others = chat.participants.filter((participant) => participant.sessionId !== session.id);
  const events: NewChatEvent[] = [
    participantEvent({ action: current === undefined ? 'joined' : 'role', role, userId: user.id, name, ...extra }, now),
  ];
  if (role === ParticipantRole.ASSISTANT) events.push(systemLine(account, ASSISTANT_JOINED_LINE, now, name));
  else if (current?.role === ParticipantRole.ASSISTANT)
    events.push(systemLine(account, ASSISTANT_LEFT_LINE, now, name));
  return { chat: { ...chat, participants: [...others, joined] }, events };
}

/** The participant leaves: a `left` event, and for an assistant the visitor's system line 31. */
export function leaveChange(account: Account, chat: Chat, sessionId: string, now: number): ChatChange {
  const leaving = participantOf(chat, sessionId);
  if (leaving === undefined) throw notIn();
  return leaveEvents(
    account,
    { ...chat, participants: chat.participants.filter((p) => p !== leaving) },
    [leaving],
    now,
  );
}

/** `chat` without `gone` (already left out of its participants), with the events their leaving makes. */
export function leaveEvents(account: Account, chat: Chat, gone: Participant[], now: number): ChatChange {
  const events = gone.flatMap((participant): NewChatEvent[] => [
    participantEvent(
      { action: 'left', role: participant.role, userId: participant.userId, name: participant.name },
      now,
    ),
    // The visitor saw it join; an ended chat tells the visitor nothing more.
    ...(participant.role === ParticipantRole.ASSISTANT && chat.state !== ChatState.ENDED
      ? [systemLine(account, ASSISTANT_LEFT_LINE, now, participant.name)]
      : []),
  ]);
  return { chat, events };
}

/** What a participant may post (docs/SHARED-CHATS.md, "Lines"). */
export interface ParticipantLine {
  text: string;
  textType: 'plain' | 'html' | 'rich-content';
  subType: SubType;
  json?: unknown;
  suggestedReply?: string;
}

/** A participant's line, checked under the chat's lock: still in the chat, the chat live, the role allows it. */
export const participantLineChange =
  (sessionId: string, posted: ParticipantLine) =>
  (chat: Chat, now: number): ChatChange => {
    const participant = participantOf(chat, sessionId);
    if (participant === undefined) throw notIn();
    if (chat.state === ChatState.ENDED) throw chatEnded();
    checkParticipantLine(participant, posted);
    return {
      chat: { ...chat, lastUpdate: now },
      events: [
        {
          type: 'line',
          time: now,
          textType: posted.textType,
          text: posted.text,
          by: participant.name,
          source: LineSource.AGENT,
          subType: posted.subType,
          author: { userId: participant.userId, role: participant.role },
          ...(posted.json === undefined ? {} : { json: posted.json }),
          ...(posted.suggestedReply === undefined ? {} : { suggestedReply: posted.suggestedReply }),
        },
      ],
    };
  };

/** A listener whispers only: a line the visitor would see is refused (403 / 43). */
export function checkParticipantLine(participant: Participant, posted: Pick<ParticipantLine, 'subType'>): void {
  if (participant.role === ParticipantRole.LISTENER && posted.subType !== SubType.ONLY_TO_REP)
    throw new AppError(ErrorCode.FORBIDDEN, 'A listener may post only agent-only lines (subType ONLY_TO_REP)');
}
