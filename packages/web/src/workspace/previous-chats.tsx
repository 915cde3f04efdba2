import type { PreviousChat } from '@parley/sdk';

/** The visitor's earlier chats, newest first: when, which skill, who answered, how it ended. */
export function PreviousChats({ chats }: { chats: readonly PreviousChat[] }) {
  return (
    <>
      <h3 className="panel-subtitle">Previous chats</h3>
      {chats.length === 0 ? (
        <p className="muted small">None: this is the visitor's first chat.</p>
      ) : (
        <ul className="previous-chats">
          {chats.map((chat) => (
            <li key={chat.chatId} className="previous-chat">
              <span className="previous-date">{dateOf(chat.startTime)}</span>
              <span className="previous-detail">
                {chat.skillName ?? 'No skill'} · {chat.agentName ?? 'No agent'}
              </span>
              <span className={`state-pill state-${chat.state}`}>{chat.state || 'unknown'}</span>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

/** A short local date and time, or "Unknown date". */
function dateOf(time: string | undefined): string {
  const date = new Date(time ?? '');
  if (Number.isNaN(date.getTime())) return 'Unknown date';
  return date.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
}
