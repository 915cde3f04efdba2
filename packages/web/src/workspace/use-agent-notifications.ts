import { useEffect, useRef } from 'react';
import type { AgentClient, AgentNotification } from '@parley/sdk';
import { describeError, isLoginGone } from './errors.js';

/** What the workspace does with the agent session's notifications. */
export interface NotificationHandlers {
  onNotification(notification: AgentNotification): void;
  /** The stream failed (a message), or works again (undefined). */
  onProblem(message: string | undefined): void;
  onLoginGone(error: unknown): void;
}

const RETRY_MS = 5_000;

/**
 * Follows the agent session's stream (rings with what each ringing chat is, chat assignments,
 * availability) for as long as the component lives. The SDK reconnects after drops and retries network errors itself; what still
 * escapes it is reported and retried here after a pause.
 */
export function useAgentNotifications(agent: AgentClient, handlers: NotificationHandlers): void {
  // The latest handlers, without restarting the stream when they change identity.
  const latest = useRef(handlers);
  useEffect(() => {
    latest.current = handlers;
  });

  useEffect(() => {
    const stop = new AbortController();
    const { signal } = stop;
    void (async () => {
      while (!signal.aborted) {
        try {
          for await (const notification of agent.notifications({ signal })) {
            latest.current.onProblem(undefined);
            latest.current.onNotification(notification);
          }
          // The iteration ends only at logout or abort.
          return;
        } catch (error) {
          if (signal.aborted) return;
          if (isLoginGone(error)) {
            latest.current.onLoginGone(error);
            return;
          }
          latest.current.onProblem(`Incoming chats are not updating: ${describeError(error)} Retrying…`);
          await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
        }
      }
    })();
    return () => stop.abort();
  }, [agent]);
}
