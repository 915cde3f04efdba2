import type { ReactNode } from 'react';
import { requestClose } from './embed-bridge.js';

interface ChatHeaderProps {
  title: string;
  subtitle?: string;
  /** Shows an avatar with the title's initial (the agent). */
  hasAvatar?: boolean;
  /** Buttons on the right (End chat). */
  actions?: ReactNode;
  /** In embed.js's frame: a button that closes it (on small screens the frame covers the page). */
  isEmbedded: boolean;
}

/** The window's title bar: who the visitor talks to, and the window's buttons. */
export function ChatHeader({ title, subtitle, hasAvatar = false, actions, isEmbedded }: ChatHeaderProps) {
  return (
    <header className="chat-header">
      {hasAvatar && (
        <span className="avatar" aria-hidden="true">
          {title.trim().charAt(0).toUpperCase()}
        </span>
      )}
      <div className="chat-header-text">
        <h1>{title}</h1>
        {subtitle !== undefined && <p>{subtitle}</p>}
      </div>
      {actions}
      {isEmbedded && (
        <button type="button" className="icon-button" aria-label="Close chat window" onClick={requestClose}>
          <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
            <path d="M6 6l12 12M18 6L6 18" stroke="currentColor" strokeWidth="2.2" strokeLinecap="round" />
          </svg>
        </button>
      )}
    </header>
  );
}
