/**
 * The retry policy of platform §6.1: 5xx answers and network errors are retried 3 times after 5, 10
 * and 15 s; 429 after `Retry-After` but at least 1 s (5 s for a login); any other 4xx never. Every
 * number is configurable so tests can make the waits tiny, or record them through a fake `sleep`.
 */
export interface RetryPolicy {
  /** Pauses before each retry of a 5xx or a network error; their count is the number of retries. */
  delaysMs: readonly number[];
  /** The least wait after a 429, whatever `Retry-After` says. */
  minRetryAfterMs: number;
  /** The least wait after a 429 on a login (LivePerson's Login Service retry page). */
  loginRetryAfterMs: number;
  /** How many 429 answers in a row a request retries before it fails. */
  maxRateLimitRetries: number;
  /** Up to this much random time is added to a 429 wait, so clients do not come back in a burst. */
  rateLimitJitterMs: number;
}

/** The documented defaults (platform §6.1). */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  delaysMs: [5_000, 10_000, 15_000],
  minRetryAfterMs: 1_000,
  loginRetryAfterMs: 5_000,
  maxRateLimitRetries: 5,
  rateLimitJitterMs: 250,
};

/** Waits `ms`; rejects with the signal's reason when it is aborted first. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** A timer that does not keep a Node.js process alive by itself (no-op in browsers). */
export function unrefTimer(timer: unknown): void {
  if (typeof timer !== 'object' || timer === null || !('unref' in timer)) return;
  const unref: unknown = timer.unref;
  if (typeof unref === 'function') unref.call(timer);
}

/** The real `Sleep`, on `setTimeout`. */
export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** Why a signal was aborted, as an Error. */
export function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new Error('Aborted');
}

/**
 * `Retry-After` in milliseconds: delay-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when
 * absent or unreadable.
 */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(header)) return Number(header) * 1_000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Which retry rules a request follows. */
export type RequestKind = 'login' | 'api';

/**
 * The retry bookkeeping of one request: after each failed attempt it says how long to wait before
 * the next one, or undefined when the request must fail now.
 */
export function createRetryState(policy: RetryPolicy, kind: RequestKind, random: () => number = Math.random) {
  let serverFailures = 0;
  let rateLimits = 0;
  return {
    /** A 5xx answer or no answer at all (network error, timeout). */
    afterServerFailure(): number | undefined {
      const delay = policy.delaysMs[serverFailures];
      serverFailures += 1;
      return delay;
    },
    /** A 429 answer with its `Retry-After` (ms, if any). */
    afterRateLimit(retryAfter: number | undefined): number | undefined {
      if (rateLimits >= policy.maxRateLimitRetries) return undefined;
      rateLimits += 1;
      const floor = kind === 'login' ? policy.loginRetryAfterMs : policy.minRetryAfterMs;
      return Math.max(floor, retryAfter ?? floor) + Math.floor(random() * policy.rateLimitJitterMs);
    },
  };
}
