import { ChatState, type Chat, type ParticipantRole } from '../chats/chat-model.js';
import { digest } from '../tokens.js';

/** One entry of the live-chats list (docs/SHARED-CHATS.md, "Live chats"): what a supervisor sees of a chat. */
export interface LiveChat {
  chatId: string;
  state: 'waiting' | 'chatting';
  skillId: number | null;
  skill: string | null;
  visitorName: string;
  holder: { userId: number; name: string } | null;
  startTime: number;
  /** Since when it waits (its wait time), while it waits. */
  queuedAt: number | null;
  lastLineTime: number | null;
  participants: number;
  /** The asking session's role in the chat, if it is in it. */
  joinedAs: ParticipantRole | null;
}

export function liveChatOf(chat: Chat, sessionId: string): LiveChat {
  return {
    chatId: chat.id,
    state: chat.state === ChatState.WAITING ? 'waiting' : 'chatting',
    skillId: chat.skillId,
    skill: chat.skillName,
    visitorName: chat.visitorName ?? 'visitor',
    holder:
      chat.agentUserId === null || chat.state !== ChatState.CHATTING
        ? null
        : { userId: chat.agentUserId, name: chat.agentName ?? '' },
    startTime: chat.startTime,
    queuedAt: chat.state === ChatState.WAITING ? chat.queuedAt : null,
    lastLineTime: chat.lastLineAt,
    participants: chat.participants.length,
    joinedAs: chat.participants.find((participant) => participant.sessionId === sessionId)?.role ?? null,
  };
}

/**
 * A short digest of a list as shown: a long-poll that names the version it saw is held until the
 * list differs from it, so no change between two polls goes unseen.
 */
export const liveChatsVersion = (chats: LiveChat[]): string => digest(JSON.stringify(chats)).slice(0, 16);
