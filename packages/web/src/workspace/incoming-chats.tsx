import { useId } from 'react';

interface IncomingChatsProps {
  /** Chats ringing at this agent (the API gives only the count). */
  count: number;
  isAccepting: boolean;
  problem: string | undefined;
  availability: string;
  onAccept(): void;
}

/**
 * One entry per ringing chat. The API says only how many ring, and accepting always takes the
 * oldest (chat-agent-api §3.9), so every entry's button does the same thing.
 */
export function IncomingChats({ count, isAccepting, problem, availability, onAccept }: IncomingChatsProps) {
  const id = useId();
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
          {Array.from({ length: count }, (_, index) => (
            <li key={index} className="ring">
              <span className="ring-icon" aria-hidden="true" />
              <span className="ring-text">
                <span className="ring-title">New chat request</span>
                <span className="ring-sub">{index === 0 ? 'Waiting longest' : `In line, #${index + 1}`}</span>
              </span>
              <button type="button" className="primary small" onClick={onAccept} disabled={isAccepting}>
                Accept
              </button>
            </li>
          ))}
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
