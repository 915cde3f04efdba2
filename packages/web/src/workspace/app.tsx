import { useCallback, useEffect, useRef, useState } from 'react';
import { AgentClient, ParleyError } from '@parley/sdk';
import { agentOptions } from './agent-options.js';
import { connectionMonitor } from '../shared/connection-monitor.js';
import { describeError, isLoginGone } from './errors.js';
import { LoginForm, type LoginDefaults } from './login-form.js';
import type { Notice } from './notice.js';
import { setTitleCount, stopRingCue } from './ring-cue.js';
import { clearSavedWorkspace, readSavedWorkspace, saveLogin, type SavedWorkspace } from './saved-workspace.js';
import { Workspace } from './workspace.js';

const loggedOut = (error: unknown): Notice => ({
  text: `You were logged out (${describeError(error)}). Please log in again.`,
  isProblem: true,
});

/** A saved login the server no longer knows: the login ended (401) or its agent session did (404). */
const isSavedLoginGone = (error: unknown): boolean =>
  error instanceof ParleyError && (error.status === 401 || error.status === 404);

/**
 * The log-in screen until an agent is logged in, then the workspace; back again at sign-out.
 * After a reload the saved login of this browser tab is resumed instead (same agent session,
 * same tabs and drafts); the log-in screen shows when it is gone.
 */
export function App() {
  const [saved] = useState(() => readSavedWorkspace());
  const [isResuming, setResuming] = useState(saved !== undefined);
  const [restored, setRestored] = useState<SavedWorkspace | undefined>();
  const [agent, setAgent] = useState<AgentClient | undefined>();
  const [notice, setNotice] = useState<Notice | undefined>();
  const [defaults, setDefaults] = useState<LoginDefaults>(() => ({
    accountId: saved?.login.accountId ?? new URLSearchParams(window.location.search).get('account') ?? '',
    username: saved?.username ?? '',
  }));

  // The client on screen, for callbacks that outlive it (background errors, late feed failures).
  const current = useRef<AgentClient | undefined>(undefined);

  /** Back to the log-in screen; several feeds may report one lost login, only the first acts. */
  const leave = useCallback((client: AgentClient, next: Notice) => {
    if (current.current !== client) return;
    current.current = undefined;
    // Signed out or logged out: a reload must not bring this login back.
    clearSavedWorkspace();
    setAgent(undefined);
    setRestored(undefined);
    setNotice(next);
    stopRingCue();
    setTitleCount(0);
    // Stops the keep-alive and every stream; a login that is already gone counts as logged out.
    void client.logout().catch(() => undefined);
  }, []);

  const onLoggedIn = useCallback((client: AgentClient, used: LoginDefaults) => {
    current.current = client;
    saveLogin(client.savedState(), used.username);
    setDefaults(used);
    setNotice(undefined);
    setRestored(undefined);
    setAgent(client);
  }, []);

  // The SDK's background refresh: only a login it could not renew matters to the person.
  const onBackgroundError = useCallback(
    (client: AgentClient, error: unknown) => {
      if (isLoginGone(error)) leave(client, loggedOut(error));
    },
    [leave],
  );

  // A reload: go on with the saved login and agent session rather than asking to log in again.
  const hasResumed = useRef(false);
  useEffect(() => {
    if (saved === undefined || hasResumed.current) return;
    hasResumed.current = true;
    const holder: { client?: AgentClient } = {};
    AgentClient.resume({
      ...agentOptions(saved.login.accountId, (error) => {
        if (holder.client !== undefined) onBackgroundError(holder.client, error);
      }),
      ...saved.login,
    }).then(
      (client) => {
        holder.client = client;
        current.current = client;
        connectionMonitor.reset();
        setRestored(saved);
        setAgent(client);
        setResuming(false);
      },
      (error: unknown) => {
        if (isSavedLoginGone(error)) {
          clearSavedWorkspace();
          setNotice({ text: 'Your session has ended. Please log in again.', isProblem: false });
        } else {
          // Kept: a later reload, with Parley reachable again, may still resume it.
          setNotice({ text: `Your session could not be resumed (${describeError(error)}).`, isProblem: true });
        }
        setResuming(false);
      },
    );
  }, [saved, onBackgroundError]);

  if (isResuming) {
    return (
      <main className="login-page">
        <p className="form-hint" role="status">
          Reconnecting to your workspace…
        </p>
      </main>
    );
  }
  if (agent === undefined) {
    return (
      <LoginForm defaults={defaults} notice={notice} onLoggedIn={onLoggedIn} onBackgroundError={onBackgroundError} />
    );
  }
  return (
    <Workspace
      agent={agent}
      restored={restored}
      onSignOut={() => leave(agent, { text: 'You have signed out.', isProblem: false })}
      onLoginGone={(error) => leave(agent, loggedOut(error))}
    />
  );
}
