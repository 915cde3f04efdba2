import { useState } from 'react';
import type { VisitorClient } from '@parley/sdk';
import { usePolling } from '../shared/use-polling.js';

/** About once a second: the indicator should feel live, and the request is tiny (server-chat §3.15). */
const POLL_MS = 1_000;

/** "Alice is typing…" while the agent types; polled while the chat is `chatting`. */
export function AgentTyping({
  chat,
  agentName,
  isActive,
}: {
  chat: VisitorClient;
  agentName: string | undefined;
  isActive: boolean;
}) {
  const [isTyping, setIsTyping] = useState(false);
  usePolling(isActive, POLL_MS, async (signal) => {
    const typing = await chat.isAgentTyping();
    if (!signal.aborted) setIsTyping(typing);
  });
  const isShown = isActive && isTyping;
  // The status element stays in the page so screen readers announce the text when it appears.
  return (
    <div className="agent-typing" role="status">
      {isShown && (
        <>
          <span className="dots" aria-hidden="true">
            <span />
            <span />
            <span />
          </span>
          {agentName ?? 'The agent'} is typing…
        </>
      )}
    </div>
  );
}
