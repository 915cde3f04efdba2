import { useId } from 'react';
import { formatWait, type ShownRingingChat } from './format-wait.js';
import { useNow } from './use-now.js';

interface IncomingChatsProps {
  /** How many chats ring at this agent. */
  count: number;
  /**
   * What each ringing chat is, oldest first, when the server says (Parley's session stream); shorter
   * than `count`, even empty, otherwise.
   */
  ringing: readonly ShownRingingChat[];
  isAccepting: boolean;
  problem: string | undefined;
  availability: string;
  onAccept(): void;
}

/**
 * One entry per ringing chat: its skill, the visitor's name when known and how long it has waited,
 * or, for chats the server does not describe, its place in line. Accepting always takes the oldest
 * (chat-agent-api §3.9), so every entry's button does the same thing.
 */
export function IncomingChats({ count, ringing, isAccepting, problem, availability, onAccept }: IncomingChatsProps) {
  const id = useId();
  const now = useNow(count > 0 && ringing.length > 0);
  return (
    <section className={`incoming${count > 0 ? ' is-ringing' : ''}`} aria-label="Incoming chats">
      <h2 className="section-title" id={`${id}-title`}>
        Incoming
        {count > 0 && (
          <span className="count-badge ring-badge" aria-hidden="true">
            {count}
          </span>
        )}
      </h2>
      {count === 0 ? (
        <p className="incoming-empty">
          {availability === 'Online' ? 'No chats waiting.' : 'No chats waiting. Go Online to receive chats.'}
        </p>
      ) : (
        <ul className="ring-list">
          {Array.from({ length: count }, (_, index) => {
            const chat = ringing[index];
            return (
              <li key={index} className="ring">
                <span className="ring-icon" aria-hidden="true" />
                {chat === undefined ? (
                  <span className="ring-text">
                    <span className="ring-title">New chat request</span>
                    <span className="ring-sub">{index === 0 ? 'Waiting longest' : `In line, #${index + 1}`}</span>
                  </span>
                ) : (
                  <span className="ring-text">
                    <span className="ring-title">{chat.skill ?? 'Any skill'}</span>
                    <span className="ring-sub">
                      {chat.visitorName !== null && `${chat.visitorName} · `}
                      waiting {formatWait(now - chat.since)}
                    </span>
                  </span>
                )}
                <button type="button" className="primary small" onClick={onAccept} disabled={isAccepting}>
                  Accept
                </button>
              </li>
            );
          })}
        </ul>
      )}
      {problem !== undefined && (
        <p className="inline-problem" role="alert">
          {problem}
        </p>
      )}
    </section>
  );
}
