import { useEffect, useState } from 'react';
import type { VisitorClient } from '@parley/sdk';

/**
 * The agent's name from the chat's information (server-chat §3.12), read again each time an agent
 * joins (`chattingSince` changes), so a transfer shows the new agent.
 */
export function useAgentName(chat: VisitorClient, chattingSince: number | undefined): string | undefined {
  const [name, setName] = useState<string | undefined>();
  useEffect(() => {
    if (chattingSince === undefined) return;
    let isCurrent = true;
    chat.info().then(
      (info) => isCurrent && info.agentName !== undefined && info.agentName !== '' && setName(info.agentName),
      // The name is a nicety: without it the header keeps its generic title.
      () => undefined,
    );
    return () => {
      isCurrent = false;
    };
  }, [chat, chattingSince]);
  return name;
}
