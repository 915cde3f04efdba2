import { ParleyError } from '@parley/sdk';

/**
 * The window's own waits while Parley does not answer, once the SDK's retries (platform §6.1) are
 * spent: 2 s, then longer, at most 30 s apart. A chat lives on for minutes without its visitor (the
 * interaction timeout), so the window keeps trying for as long as it is open; the server says when
 * the chat is gone (404).
 */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(30_000, 2_000 * 1.5 ** attempt);
}

/**
 * Whether a failure is an outage to ride out — no answer, a 5xx, a 429 — rather than an answer about
 * the request itself.
 */
export const isOutage = (error: unknown): boolean =>
  error instanceof ParleyError && (error.isNetworkError || error.status >= 500 || error.status === 429);

/** Whether the server says the chat does not exist (any more). */
export const isGone = (error: unknown): boolean => error instanceof ParleyError && error.status === 404;

/** Waits `ms`; resolves early (false) when `signal` aborts. */
export const pause = (ms: number, signal: AbortSignal): Promise<boolean> =>
  new Promise((resolve) => {
    if (signal.aborted) {
      resolve(false);
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
