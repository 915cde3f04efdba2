import { useId } from 'react';
import type { LiveChat } from '@parley/sdk';
import { ConnectionBanner } from './connection-banner.js';
import { formatWait } from './format-wait.js';
import { bySkill } from './live-chat-groups.js';
import { useNow } from './use-now.js';
import { usePendingAction } from './use-pending-action.js';

/** What a supervisor does with a live chat; each resolves once done (the chat's tab is then open). */
export interface LiveChatActions {
  listen(chatId: string): Promise<void>;
  join(chatId: string): Promise<void>;
  takeOver(chatId: string): Promise<void>;
  open(chatId: string): void;
}

interface LiveChatsViewProps {
  chats: readonly LiveChat[];
  problem: string | undefined;
  /** The logged-in agent's user id: its own chats are opened, not joined. */
  myUserId: number | undefined;
  actions: LiveChatActions;
}

/**
 * The account's live chats for a supervisor (docs/SHARED-CHATS.md, live chats): by skill, waiting
 * and in progress, how long each has waited and who holds it, with Listen, Join (as assistant) and,
 * once in the chat, Take over.
 */
export function LiveChatsView({ chats, problem, myUserId, actions }: LiveChatsViewProps) {
  const id = useId();
  const groups = bySkill(chats);
  const now = useNow(chats.some((chat) => chat.state === 'waiting'));
  const waiting = chats.filter((chat) => chat.state === 'waiting').length;

  return (
    <section className="live-chats" aria-labelledby={`${id}-title`}>
      <div className="live-header">
        <h2 id={`${id}-title`} className="live-title">
          Live chats
        </h2>
        <p className="live-summary">
          {chats.length === 0 ? 'No chats right now.' : `${waiting} waiting · ${chats.length - waiting} in progress`}
        </p>
      </div>
      {problem !== undefined && <ConnectionBanner message={problem} />}
      <div className="live-groups">
        {groups.map((group, index) => (
          <section key={group.skill ?? ''} className="live-group" aria-labelledby={`${id}-group-${index}`}>
            <h3 id={`${id}-group-${index}`} className="live-skill">
              {group.skill ?? 'No skill'}
              <span className="count-muted">
                {group.waiting.length} waiting · {group.chatting.length} in progress
              </span>
            </h3>
            <table className="live-table">
              <thead>
                <tr>
                  <th scope="col">Visitor</th>
                  <th scope="col">Status</th>
                  <th scope="col">Wait</th>
                  <th scope="col">Agent</th>
                  <th scope="col">With</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {[...group.waiting, ...group.chatting].map((chat) => (
                  <LiveChatRow key={chat.chatId} chat={chat} now={now} myUserId={myUserId} actions={actions} />
                ))}
              </tbody>
            </table>
          </section>
        ))}
      </div>
    </section>
  );
}

interface LiveChatRowProps {
  chat: LiveChat;
  now: number;
  myUserId: number | undefined;
  actions: LiveChatActions;
}

function LiveChatRow({ chat, now, myUserId, actions }: LiveChatRowProps) {
  const { pending, problem, run } = usePendingAction<'listen' | 'join' | 'take over'>();
  const busy = pending !== undefined;
  const isMine = myUserId !== undefined && chat.agentId === myUserId;
  const others = Math.max(0, chat.participants - (chat.joinedAs === null ? 0 : 1));

  return (
    <tr className={`live-row state-row-${chat.state}`}>
      <th scope="row" className="live-visitor">
        {chat.visitorName || 'Visitor'}
      </th>
      <td>
        <span className={`state-pill state-${chat.state}`}>{chat.state === 'waiting' ? 'Waiting' : 'In progress'}</span>
        {chat.joinedAs !== null && (
          <span className={`role-tag role-${chat.joinedAs}`}>
            {chat.joinedAs === 'listener' ? 'Listening' : 'Assisting'}
          </span>
        )}
      </td>
      <td className="live-wait">
        {chat.state === 'waiting' && chat.queuedAt !== null ? formatWait(now - chat.queuedAt) : '—'}
      </td>
      <td>{chat.agentName ?? <span className="muted">Nobody yet</span>}</td>
      <td className="live-with">{others > 0 ? `${others} more` : '—'}</td>
      <td className="live-actions">
        {isMine || chat.joinedAs !== null ? (
          <button type="button" className="secondary small" onClick={() => actions.open(chat.chatId)}>
            Open
          </button>
        ) : (
          <button
            type="button"
            className="secondary small"
            disabled={busy}
            onClick={() => void run('listen', 'Not listening', () => actions.listen(chat.chatId))}
          >
            Listen
          </button>
        )}
        {!isMine && chat.joinedAs !== 'assistant' && (
          <button
            type="button"
            className="secondary small"
            disabled={busy}
            onClick={() => void run('join', 'Not joined', () => actions.join(chat.chatId))}
          >
            Join
          </button>
        )}
        {!isMine && chat.joinedAs !== null && chat.state === 'chatting' && (
          <button
            type="button"
            className="primary small"
            disabled={busy}
            onClick={() => void run('take over', 'Not taken over', () => actions.takeOver(chat.chatId))}
          >
            Take over
          </button>
        )}
        {problem !== undefined && (
          <p className="inline-problem" role="alert">
            {problem}
          </p>
        )}
      </td>
    </tr>
  );
}
