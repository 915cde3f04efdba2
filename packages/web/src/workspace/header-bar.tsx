import { useId, useState } from 'react';
import type { AgentProfile } from '@parley/sdk';
import type { DesktopNotificationState } from './desktop-notifications.js';
import { describeError } from './errors.js';
import { initialsOf } from './initials-of.js';

/** The availabilities an agent can choose (chat-agent-api §3.4). */
const AVAILABILITIES = ['Online', 'Away', 'Occupied'] as const;

interface HeaderBarProps {
  profile: AgentProfile | undefined;
  availability: string;
  onAvailabilityChange(availability: string): Promise<void>;
  onSignOut(): void;
  /** The desktop notifications' switch (opt-in: the browser asks only after a click on it). */
  desktop: { state: DesktopNotificationState; enable(): Promise<void>; disable(): void };
}

/** Who is logged in, their availability, and the way out. */
export function HeaderBar({ profile, availability, onAvailabilityChange, onSignOut, desktop }: HeaderBarProps) {
  const id = useId();
  const [problem, setProblem] = useState<string | undefined>();
  const name = profile === undefined ? '' : profile.displayName || profile.agentName || profile.loginName;
  const isKnown = (AVAILABILITIES as readonly string[]).includes(availability);

  const change = async (next: string) => {
    setProblem(undefined);
    try {
      await onAvailabilityChange(next);
    } catch (error) {
      setProblem(`Availability not changed: ${describeError(error)}`);
    }
  };

  return (
    <header className="header-bar">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true">
          P
        </span>
        <span>Parley</span>
        <span className="brand-sub">Agent workspace</span>
      </div>
      {problem !== undefined && (
        <p className="header-problem" role="alert">
          {problem}
        </p>
      )}
      <div className="header-tools">
        <div className={`availability availability-${availability.toLowerCase() || 'unknown'}`}>
          <label htmlFor={`${id}-availability`}>Availability</label>
          <span className="select-wrap">
            <span className="availability-dot" aria-hidden="true" />
            <select
              id={`${id}-availability`}
              value={availability}
              onChange={(event) => void change(event.target.value)}
            >
              {/* Until the session answers, or when it reports a value outside the three. */}
              {!isKnown && <option value={availability}>{availability || 'Loading…'}</option>}
              {AVAILABILITIES.map((value) => (
                <option key={value} value={value}>
                  {value}
                </option>
              ))}
            </select>
          </span>
        </div>
        {profile !== undefined && (
          <div className="who" title={`Logged in as ${profile.loginName}`}>
            <span className="avatar" aria-hidden="true">
              {initialsOf(name)}
            </span>
            <span className="who-text">
              <span className="who-name">{name}</span>
              <span className="who-login">Logged in as {profile.loginName}</span>
            </span>
          </div>
        )}
        {desktop.state === 'off' && (
          <button type="button" className="secondary small" onClick={() => void desktop.enable()}>
            Enable desktop notifications
          </button>
        )}
        {desktop.state === 'on' && (
          <button type="button" className="secondary small" onClick={desktop.disable}>
            Turn off desktop notifications
          </button>
        )}
        {desktop.state === 'blocked' && (
          <span className="header-note">Desktop notifications are blocked in this browser&apos;s settings.</span>
        )}
        <button type="button" className="secondary" onClick={onSignOut}>
          Sign out
        </button>
      </div>
    </header>
  );
}
