import type { Account } from '../model.js';
import {
  ChatState,
  LineSource,
  SubType,
  type Chat,
  type ChatEvent,
  type CommittedChange,
  type NewChatEvent,
  type TextType,
} from './chat-model.js';

/** The system line `systemMessageId` with the account's text (server-chat §4.2). */
export function systemLine(account: Account, systemMessageId: number, time: number, agentName = ''): NewChatEvent {
  const template = account.settings.systemMessages[String(systemMessageId)] ?? '';
  return {
    type: 'line',
    time,
    textType: 'plain',
    text: template.replaceAll('{agentName}', agentName),
    by: 'info',
    source: LineSource.SYSTEM,
    systemMessageId,
    subType: SubType.REGULAR,
  };
}

/** A pre-chat line echoed to both sides as system line 0 (server-chat §4.2, §9 item 10). */
export function preChatEcho(text: string, time: number): NewChatEvent {
  return {
    type: 'line',
    time,
    textType: 'plain',
    text,
    by: 'info',
    source: LineSource.SYSTEM,
    systemMessageId: 0,
    subType: SubType.REGULAR,
  };
}

export function stateEvent(state: ChatState, time: number): NewChatEvent {
  return { type: 'state', time, state };
}

export function line(
  source: LineSource,
  by: string,
  text: string,
  time: number,
  textType: TextType = 'plain',
): NewChatEvent {
  return { type: 'line', time, textType, text, by, source, subType: SubType.REGULAR };
}

/** Gives new events their ids from the chat's counter; returns them and the advanced chat. */
export function numberEvents(chat: Chat, events: NewChatEvent[]): { chat: Chat; events: ChatEvent[] } {
  const numbered = events.map((event, index) => ({ id: chat.nextEventId + index, ...event }));
  const lastLine = numbered.findLast((event) => event.type === 'line');
  return {
    chat: {
      ...chat,
      nextEventId: chat.nextEventId + events.length,
      lastLineAt: lastLine === undefined ? chat.lastLineAt : lastLine.time,
    },
    events: numbered,
  };
}

/** The visitor's name as lines and the visitor side show it (server-chat §3.13). */
export const visitorDisplayName = (chat: Chat): string => chat.visitorName ?? 'You';

/**
 * The events at or past `from` that a committed change carries, when they are all there are: the
 * change's events reach back to `from`, or nothing is at or past it. Undefined when events before
 * the change's may be missing (a change this reader did not see): only the store can tell then.
 */
export function changeEventsFrom(change: CommittedChange, from: number): ChatEvent[] | undefined {
  const first = change.events[0]?.id ?? change.chat.nextEventId;
  if (first > from && from < change.chat.nextEventId) return undefined;
  return change.events.filter((event) => event.id >= from);
}

/**
 * Agent-only lines (ONLY_TO_REP: notes, transfer notes, participants' tips) never reach the visitor
 * (server-chat §4.2), nor do participant events (docs/SHARED-CHATS.md).
 */
export const isForVisitor = (event: ChatEvent): boolean =>
  event.subType !== SubType.ONLY_TO_REP && event.type !== 'participant';

/** Whether the chat still answers: unknown, or ended and past its retention, reads as 404. */
export const isGone = (chat: Chat | undefined, now: number): boolean =>
  chat === undefined || (chat.state === ChatState.ENDED && chat.retainUntil !== null && chat.retainUntil <= now);

/**
 * The chat as it is once ended, whoever ended it: no queue, no timers, no typing, no ring, and
 * readable for the account's retention (server-chat §4.5).
 */
export function endedChat(chat: Chat, account: Account, now: number): Chat {
  return {
    ...chat,
    state: ChatState.ENDED,
    endedAt: now,
    lastUpdate: now,
    queuedAt: null,
    idleDueAt: null,
    waitDueAt: null,
    ringingUserId: null,
    ringDueAt: null,
    visitorTyping: false,
    agentTyping: false,
    // Participants stay, to read the chat to its end; nobody can answer an invitation any more.
    invitations: [],
    retainUntil: now + account.settings.endedChatRetentionMinutes * 60_000,
  };
}

/**
 * A waiting chat taken by an agent (chat-agent-api §3.9, server-chat §4.4): `chatting`, out of the
 * queue and its ring, then system line 3 naming the agent. `agentSessionId` is the session that took
 * it (null when no session did).
 */
export function acceptedChange(
  account: Account,
  chat: Chat,
  agent: { id: number; name: string },
  agentSessionId: string | null,
  now: number,
): { chat: Chat; events: NewChatEvent[] } {
  return {
    chat: {
      ...chat,
      state: ChatState.CHATTING,
      agentUserId: agent.id,
      agentName: agent.name,
      agentSessionId,
      acceptedAt: now,
      queuedAt: null,
      waitDueAt: null,
      ringingUserId: null,
      ringDueAt: null,
      targetUserId: null,
      // A participant who takes the chat holds it now: it is no longer beside itself.
      participants: chat.participants.filter((participant) => participant.userId !== agent.id),
    },
    events: [stateEvent(ChatState.CHATTING, now), systemLine(account, 3, now, agent.name)],
  };
}

/**
 * The chat as it is once its ring is withdrawn: it rings someone else next, and a transfer to one
 * agent goes back to its skill (chat-agent-api §3.9).
 */
export function unrungChat(chat: Chat): Chat {
  return { ...chat, ringingUserId: null, ringDueAt: null, targetUserId: null };
}

/**
 * The chat as it is once it waits for an agent again (requeued or transferred): no agent, no ring,
 * back in the queue as of `now` (server-chat §4.1).
 */
export function requeuedChat(chat: Chat, now: number): Chat {
  return {
    ...chat,
    state: ChatState.WAITING,
    agentUserId: null,
    agentName: null,
    agentSessionId: null,
    agentTyping: false,
    queuedAt: now,
    ringingUserId: null,
    ringDueAt: null,
  };
}
