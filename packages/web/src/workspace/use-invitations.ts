import { useEffect, useState } from 'react';
import { ParleyError, type AgentClient, type Invitation } from '@parley/sdk';
import { describeError, isLoginGone } from './errors.js';

const RETRY_MS = 5_000;

/**
 * The open invitations addressed to this agent (by user, or by a skill it holds), newest last,
 * followed for as long as the component lives. The SDK yields each once, while open; `dismiss`
 * takes one off the list once answered here, or closed elsewhere (the session stream says so).
 */
export function useInvitations(agent: AgentClient, onLoginGone: (error: unknown) => void) {
  const [invitations, setInvitations] = useState<readonly Invitation[]>([]);
  const [problem, setProblem] = useState<string | undefined>();

  useEffect(() => {
    const stop = new AbortController();
    const { signal } = stop;
    void (async () => {
      while (!signal.aborted) {
        try {
          for await (const invitation of agent.invitations({ signal })) {
            setProblem(undefined);
            setInvitations((list) => [...list.filter((known) => known.id !== invitation.id), invitation]);
          }
          return;
        } catch (error) {
          if (signal.aborted) return;
          if (isLoginGone(error)) {
            onLoginGone(error);
            return;
          }
          // A server without shared chats: nobody can invite anyone there.
          if (error instanceof ParleyError && error.status === 404) return;
          setProblem(`Invitations are not updating: ${describeError(error)} Retrying…`);
          await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
        }
      }
    })();
    return () => stop.abort();
  }, [agent, onLoginGone]);

  const dismiss = (id: string) => setInvitations((list) => list.filter((known) => known.id !== id));
  return { invitations, problem, dismiss };
}
