import { useId, useRef, useState, type FormEvent } from 'react';
import { AgentClient } from '@parley/sdk';
import type { Notice } from './notice.js';
import { agentOptions } from './agent-options.js';
import { connectionMonitor } from '../shared/connection-monitor.js';
import { describeLoginError } from './errors.js';
import { unlockAudio } from './ring-cue.js';

/** What the form starts with: the account from `?account=`, the last username after a sign-out. */
export interface LoginDefaults {
  accountId: string;
  username: string;
}

interface LoginFormProps {
  defaults: LoginDefaults;
  notice: Notice | undefined;
  onLoggedIn(agent: AgentClient, used: LoginDefaults): void;
  onBackgroundError(agent: AgentClient, error: unknown): void;
}

/** Account, username and password; logs in through the Login Service and opens an agent session. */
export function LoginForm({ defaults, notice, onLoggedIn, onBackgroundError }: LoginFormProps) {
  const id = useId();
  const [accountId, setAccountId] = useState(defaults.accountId);
  const [username, setUsername] = useState(defaults.username);
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [isBusy, setBusy] = useState(false);
  const passwordInput = useRef<HTMLInputElement>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    // The click is a user gesture: the only moment a browser lets a page start audio for later rings.
    unlockAudio();
    setBusy(true);
    setError(undefined);
    const used = { accountId: accountId.trim(), username: username.trim() };
    try {
      // The background error handler needs the client that login() is about to return.
      const holder: { client?: AgentClient } = {};
      const client = await AgentClient.login({
        ...agentOptions(used.accountId, (backgroundError) => {
          if (holder.client !== undefined) onBackgroundError(holder.client, backgroundError);
        }),
        username: used.username,
        password,
      });
      holder.client = client;
      connectionMonitor.reset();
      onLoggedIn(client, used);
    } catch (failure) {
      setError(describeLoginError(failure));
      setBusy(false);
      // Ready to type again at once: the password selected, so typing replaces it (the alert is read out too).
      passwordInput.current?.focus();
      passwordInput.current?.select();
    }
  };

  const message = error ?? notice?.text;
  const isProblem = error !== undefined || notice?.isProblem === true;

  return (
    <main className="login-page">
      <form className="login-card" onSubmit={(event) => void submit(event)} aria-labelledby={`${id}-title`}>
        <div className="brand brand-large" aria-hidden="true">
          <span className="brand-mark">P</span> Parley
        </div>
        <h1 id={`${id}-title`}>Log in to the agent workspace</h1>
        {message !== undefined &&
          (isProblem ? (
            <p className="form-message problem" role="alert">
              {message}
            </p>
          ) : (
            <p className="form-message" role="status">
              {message}
            </p>
          ))}
        <div className="field">
          <label htmlFor={`${id}-account`}>Account</label>
          <input
            id={`${id}-account`}
            value={accountId}
            onChange={(event) => setAccountId(event.target.value)}
            inputMode="numeric"
            autoComplete="organization"
            required
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-username`}>Username</label>
          <input
            id={`${id}-username`}
            value={username}
            onChange={(event) => setUsername(event.target.value)}
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            required
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-password`}>Password</label>
          <input
            ref={passwordInput}
            id={`${id}-password`}
            type="password"
            value={password}
            onChange={(event) => setPassword(event.target.value)}
            autoComplete="current-password"
            required
          />
        </div>
        {/* The name stays "Log in" while busy; the state is told by aria-busy and the text beside it. */}
        <button type="submit" className="primary wide" disabled={isBusy} aria-busy={isBusy}>
          Log in
        </button>
        {isBusy && <p className="form-hint">Logging in…</p>}
      </form>
    </main>
  );
}
