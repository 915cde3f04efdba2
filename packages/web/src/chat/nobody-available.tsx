import { useState } from 'react';
import { VisitorClient } from '@parley/sdk';
import { usePolling } from '../shared/use-polling.js';
import { queryOf, type ChatParams } from './chat-params.js';

/** How often a waiting chat asks whether anyone is still there for its skill. */
const CHECK_MS = 10_000;

/**
 * Whether an agent of `skill` is online (server-chat §3.1), asked every 10 s while `isActive`;
 * undefined until the first answer, and unchanged by a failed question (Parley may be restarting).
 */
export function useSkillAvailability(params: ChatParams, skill: string | undefined, isActive: boolean) {
  const [isAvailable, setIsAvailable] = useState<boolean | undefined>();
  usePolling(isActive, CHECK_MS, async (signal) => {
    const answer = await VisitorClient.isAvailable(queryOf(params, skill));
    if (!signal.aborted) setIsAvailable(answer);
  });
  return isAvailable;
}

interface NobodyAvailableProps {
  isLeaving: boolean;
  onLeaveMessage(): void;
  onKeepWaiting(): void;
}

/** A waiting chat whose skill has nobody left: say so, and offer a way out. */
export function NobodyAvailable({ isLeaving, onLeaveMessage, onKeepWaiting }: NobodyAvailableProps) {
  return (
    <section className="card notice nobody-available" role="status" aria-label="Nobody is available">
      <h2>Nobody is available right now</h2>
      <p>You can leave us a message and we will get back to you, or keep waiting in case someone comes back.</p>
      <div className="actions">
        <button type="button" className="primary" onClick={onLeaveMessage} disabled={isLeaving}>
          Leave a message
        </button>
        <button type="button" className="secondary" onClick={onKeepWaiting} disabled={isLeaving}>
          Keep waiting
        </button>
      </div>
    </section>
  );
}
