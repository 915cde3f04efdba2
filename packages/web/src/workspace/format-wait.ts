import type { RingingChat } from '@parley/sdk';

/** A ringing chat as the incoming list shows it: since when it waits, by this browser's clock. */
export interface ShownRingingChat {
  skill: string | null;
  visitorName: string | null;
  since: number;
}

/**
 * The ringing chats of a ring received at `receivedAt`: the wait counts on from what the server
 * said it was, so a browser clock that differs from the server's does not change it.
 */
export const shownRinging = (ringing: readonly RingingChat[], receivedAt: number): ShownRingingChat[] =>
  ringing.map(({ skill, visitorName, waitedMs }) => ({ skill, visitorName, since: receivedAt - waitedMs }));

/**
 * How long a chat has waited, as a clock shows it: `0:42`, `12:05`, `1:02:03`; never negative.
 */
export function formatWait(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}
