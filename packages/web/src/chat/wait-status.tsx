import { useState } from 'react';
import type { VisitorClient } from '@parley/sdk';
import { usePolling } from '../shared/use-polling.js';
import { waitEstimateText } from './wait-estimate.js';

/** How often the wait estimate is read again: it moves as the queue moves. */
const REFRESH_MS = 10_000;

/** "Waiting for an agent" with this chat's estimated wait, refreshed while the chat waits. */
export function WaitStatus({ chat, skill }: { chat: VisitorClient; skill: string | undefined }) {
  const [seconds, setSeconds] = useState<number | undefined>();
  usePolling(true, REFRESH_MS, async (signal) => {
    const estimate = await chat.estimatedWaitTime(skill);
    if (!signal.aborted) setSeconds(estimate);
  });
  const estimate = waitEstimateText(seconds);
  return (
    <div className="wait-status" role="status">
      <span className="dots" aria-hidden="true">
        <span />
        <span />
        <span />
      </span>
      <p>
        <strong>Waiting for an agent</strong>
        {estimate !== undefined && <span className="wait-estimate">{estimate}</span>}
      </p>
    </div>
  );
}
