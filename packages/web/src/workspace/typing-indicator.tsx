import { useState } from 'react';
import { usePolling } from '../shared/use-polling.js';
import type { ChatSession } from './chat-session.js';
import { isLoginGone } from './errors.js';

const POLL_MS = 1_000;

interface TypingIndicatorProps {
  session: ChatSession;
  /** Who is typing, as the chat names the visitor ("Visitor" when they gave no name). */
  visitorName: string;
  /** Poll only while the chat is chatting (the indicator exists only for the selected chat). */
  isActive: boolean;
}

/**
 * "Visitor is typing…", from polling the visitor's typing state about once a second: the API has no
 * event for it (chat-agent-api §3.21). The live region stays in the page so the change is announced.
 */
export function TypingIndicator({ session, visitorName, isActive }: TypingIndicatorProps) {
  const [isTyping, setTyping] = useState(false);
  usePolling(isActive, POLL_MS, async (signal) => {
    try {
      const value = await session.chat.isVisitorTyping();
      if (!signal.aborted) setTyping(value);
    } catch (error) {
      // A missed poll only delays the indicator; the transcript reports connection problems.
      if (isLoginGone(error)) session.onLoginGone(error);
    }
  });

  return (
    <p className="typing-indicator" role="status">
      {isActive && isTyping && (
        <>
          <span className="typing-dots" aria-hidden="true">
            <span />
            <span />
            <span />
          </span>
          {visitorName} is typing…
        </>
      )}
    </p>
  );
}
