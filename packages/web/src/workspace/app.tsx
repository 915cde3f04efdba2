import { useCallback, useRef, useState } from 'react';
import type { AgentClient } from '@parley/sdk';
import { describeError, isLoginGone } from './errors.js';
import { LoginForm, type LoginDefaults } from './login-form.js';
import type { Notice } from './notice.js';
import { setRingTitle } from './ring-cue.js';
import { Workspace } from './workspace.js';

const loggedOut = (error: unknown): Notice => ({
  text: `You were logged out (${describeError(error)}). Please log in again.`,
  isProblem: true,
});

/** The log-in screen until an agent is logged in, then the workspace; back again at sign-out. */
export function App() {
  const [agent, setAgent] = useState<AgentClient | undefined>();
  const [notice, setNotice] = useState<Notice | undefined>();
  const [defaults, setDefaults] = useState<LoginDefaults>(() => ({
    accountId: new URLSearchParams(window.location.search).get('account') ?? '',
    username: '',
  }));

  // The client on screen, for callbacks that outlive it (background errors, late feed failures).
  const current = useRef<AgentClient | undefined>(undefined);

  /** Back to the log-in screen; several feeds may report one lost login, only the first acts. */
  const leave = useCallback((client: AgentClient, next: Notice) => {
    if (current.current !== client) return;
    current.current = undefined;
    setAgent(undefined);
    setNotice(next);
    setRingTitle(0);
    // Stops the keep-alive and every stream; a login that is already gone counts as logged out.
    void client.logout().catch(() => undefined);
  }, []);

  const onLoggedIn = useCallback((client: AgentClient, used: LoginDefaults) => {
    current.current = client;
    setDefaults(used);
    setNotice(undefined);
    setAgent(client);
  }, []);

  // The SDK's background refresh: only a login it could not renew matters to the person.
  const onBackgroundError = useCallback(
    (client: AgentClient, error: unknown) => {
      if (isLoginGone(error)) leave(client, loggedOut(error));
    },
    [leave],
  );

  if (agent === undefined) {
    return (
      <LoginForm defaults={defaults} notice={notice} onLoggedIn={onLoggedIn} onBackgroundError={onBackgroundError} />
    );
  }
  return (
    <Workspace
      agent={agent}
      onSignOut={() => leave(agent, { text: 'You have signed out.', isProblem: false })}
      onLoginGone={(error) => leave(agent, loggedOut(error))}
    />
  );
}
