import type { AgentSessionOptions, ClientOptions } from '@parley/sdk';
import { connectionMonitor } from '../shared/connection-monitor.js';

/**
 * How the workspace's agent client talks to Parley, whether it logs in or resumes after a reload.
 * The agent session is connection-bound: a tab closed without signing out leaves no agent Online
 * for minutes (the server sets it Away once its streams are gone, and ends it later).
 */
export function agentOptions(
  accountId: string,
  onError: (error: unknown) => void,
): ClientOptions & AgentSessionOptions {
  return {
    baseUrl: window.location.origin,
    accountId,
    fetch: connectionMonitor.fetch,
    presence: 'connection',
    onError,
  };
}
