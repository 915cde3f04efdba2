import { AppError, ErrorCode } from '../errors.js';
import type { Account, User } from '../model.js';
import type { Store } from '../ports.js';
import { requireAccount } from '../accounts/require-account.js';
import { line, stateEvent, systemLine, endedChat } from './chat-events.js';
import { ChatState, LineSource, SubType, type TextType } from './chat-model.js';
import type { ApplyChange, ChatWriter } from './chat-writer.js';

/**
 * The chat changes an agent makes to a chat it holds (chat-agent-api §3.15, §3.16, §3.20), shared by
 * the Chat Agent API and by anything else that hands chats to agents. Accepting a chat is the
 * router's (`agents/router.ts`): it picks the chat and changes it in one transaction. Agent requests never keep a chat alive (server-chat §4.5).
 */
export function createAgentChatActions({ store, writer }: { store: Store; writer: ChatWriter }) {
  const notHeld = () => new AppError(ErrorCode.FORBIDDEN, 'This chat is not held by this agent');
  const displayName = (user: User) => user.nickname || user.loginName;

  /** The change `sendLine` makes, for a caller that writes it itself (with an idempotency key). */
  const lineChange =
    (
      agent: User,
      text: string,
      textType: TextType = 'plain',
      options: { subType?: SubType; json?: unknown; suggestedReply?: string } = {},
    ): ApplyChange =>
    (chat, now) => {
      if (chat.agentUserId !== agent.id) throw notHeld();
      if (chat.state !== ChatState.CHATTING)
        throw new AppError(ErrorCode.STATE_CONFLICT, 'Cannot add line while not in chat');
      const event = line(LineSource.AGENT, displayName(agent), text, now, textType);
      return {
        chat: { ...chat, agentTyping: false, lastUpdate: now },
        events: [
          {
            ...event,
            ...(options.json === undefined ? {} : { json: options.json }),
            // A suggestion is a note to agents: on a line the visitor sees it would mean nothing.
            ...(options.suggestedReply === undefined || options.subType !== SubType.ONLY_TO_REP
              ? {}
              : { suggestedReply: options.suggestedReply }),
            subType: options.subType ?? SubType.REGULAR,
          },
        ],
      };
    };

  /** The change `end` makes, for a caller that writes it itself. */
  const endChange =
    (account: Account, agent: User): ApplyChange =>
    (chat, now) => {
      if (chat.agentUserId !== agent.id) throw notHeld();
      if (chat.state === ChatState.ENDED) throw new AppError(ErrorCode.STATE_CONFLICT, 'The chat has already ended');
      return {
        chat: endedChat(chat, account, now),
        events: [systemLine(account, 5, now, displayName(agent)), stateEvent(ChatState.ENDED, now)],
      };
    };

  return {
    /**
     * An agent line as sent (plain, html already sanitised, rich-content with its json); agent-only
     * lines (ONLY_TO_REP) never reach the visitor.
     */
    async sendLine(
      accountId: string,
      chatId: string,
      agent: User,
      text: string,
      textType: TextType = 'plain',
      options: { subType?: SubType; json?: unknown } = {},
    ) {
      return writer.change(accountId, chatId, lineChange(agent, text, textType, options));
    },

    async setTyping(accountId: string, chatId: string, agent: User, isTyping: boolean) {
      return writer.change(accountId, chatId, (chat, now) => {
        if (chat.agentUserId !== agent.id) throw notHeld();
        if (chat.state !== ChatState.CHATTING)
          throw new AppError(ErrorCode.STATE_CONFLICT, 'The chat is not in progress');
        // Each "typing" renews the flag (typing.ts): it lapses unless said again.
        const agentTypingAt = isTyping ? now : (chat.agentTypingAt ?? null);
        return { chat: { ...chat, agentTyping: isTyping, agentTypingAt, lastUpdate: now }, events: [] };
      });
    },

    /** The agent ends the chat: system line 5, then `ended` (server-chat §4.2). */
    async end(accountId: string, chatId: string, agent: User) {
      const account = await requireAccount(store, accountId);
      return writer.change(accountId, chatId, endChange(account, agent));
    },

    lineChange,
    endChange,
  };
}

export type AgentChatActions = ReturnType<typeof createAgentChatActions>;
