import type { KeyboardEvent } from 'react';
import { ChatTab } from './chat-tab.js';
import type { ChatSession } from './chat-session.js';

interface ChatTabListProps {
  sessions: readonly ChatSession[];
  selectedId: string | undefined;
  onSelect(id: string): void;
}

/** The open chats as a vertical tab list; arrow keys, Home and End move between them (WAI-ARIA tabs). */
export function ChatTabList({ sessions, selectedId, onSelect }: ChatTabListProps) {
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const index = sessions.findIndex((session) => session.id === selectedId);
    let next: number | undefined;
    if (event.key === 'ArrowDown' || event.key === 'ArrowRight') next = (index + 1) % sessions.length;
    else if (event.key === 'ArrowUp' || event.key === 'ArrowLeft')
      next = (index - 1 + sessions.length) % sessions.length;
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = sessions.length - 1;
    if (next === undefined) return;
    const target = sessions[next];
    if (target === undefined) return;
    event.preventDefault();
    onSelect(target.id);
    // Focus follows selection (WAI-ARIA tabs); the tabs are in the same order as the sessions.
    event.currentTarget.querySelectorAll<HTMLElement>('[role="tab"]')[next]?.focus();
  };

  return (
    <section className="chat-list">
      <h2 className="section-title">
        Open chats{sessions.length > 0 && <span className="count-muted">{sessions.length}</span>}
      </h2>
      {sessions.length === 0 ? (
        <p className="incoming-empty">Chats you accept appear here.</p>
      ) : (
        <div role="tablist" aria-label="Open chats" aria-orientation="vertical" className="tabs" onKeyDown={onKeyDown}>
          {sessions.map((session) => (
            <ChatTab
              key={session.id}
              session={session}
              isSelected={session.id === selectedId}
              onSelect={() => onSelect(session.id)}
            />
          ))}
        </div>
      )}
    </section>
  );
}
