import type { ChatSession } from './chat-session.js';
import { domId } from './dom-id.js';
import { initialsOf } from './initials-of.js';
import { previewOf } from './preview-of.js';
import { useChatSnapshot } from './use-chat-snapshot.js';

interface ChatTabProps {
  session: ChatSession;
  isSelected: boolean;
  onSelect(): void;
}

/** One chat in the tab list: the visitor's name, the last line, and how many lines are unread. */
export function ChatTab({ session, isSelected, onSelect }: ChatTabProps) {
  const snapshot = useChatSnapshot(session);
  const name = snapshot.visitorName || 'Visitor';
  const last = snapshot.events.findLast((event) => event.type === 'line' && event.source !== 'system');
  const isEnded = snapshot.state === 'ended' || snapshot.lostReason !== undefined;
  // The count is part of the name so a screen reader hears it with the tab, e.g. "Phil (2 unread)".
  const label = snapshot.unread > 0 ? `${name} (${snapshot.unread} unread)` : name;
  return (
    <button
      type="button"
      role="tab"
      id={domId('tab', session.id)}
      // Only the selected chat has a panel to point at.
      aria-controls={isSelected ? domId('panel', session.id) : undefined}
      aria-selected={isSelected}
      aria-label={label}
      tabIndex={isSelected ? 0 : -1}
      className={`tab${isSelected ? ' is-selected' : ''}${isEnded ? ' is-ended' : ''}${snapshot.unread > 0 ? ' has-unread' : ''}`}
      onClick={onSelect}
    >
      <span className="avatar visitor-avatar" aria-hidden="true">
        {initialsOf(name) || 'V'}
      </span>
      <span className="tab-text" aria-hidden="true">
        <span className="tab-name">{name}</span>
        <span className="tab-preview">
          {isEnded ? (snapshot.lostReason ?? 'Chat ended') : previewOf(last) || 'New chat'}
        </span>
      </span>
      {snapshot.unread > 0 && (
        <span className="count-badge" aria-hidden="true">
          {snapshot.unread}
        </span>
      )}
    </button>
  );
}
