/**
 * The retry policy of platform §6.1: 5xx answers and network errors are retried 3 times after 5, 10
 * and 15 s; 429 after `Retry-After` but at least 1 s (5 s for a login); any other 4xx never. A
 * request that may recover slowly (an agent client's, once logged in) then goes on at growing
 * intervals — 2, 4, 8 … minutes, at most 30, ±10 % — so that a bot outlives an outage of many
 * minutes. Every number is configurable so tests can make the waits tiny, or record them through a
 * fake `sleep`.
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
  /** Slow recovery: the first wait once the fast retries (`delaysMs`) are spent. */
  recoveryDelayMs: number;
  /** Each slow wait is this many times the one before… */
  recoveryFactor: number;
  /** …but never longer than this. */
  recoveryMaxDelayMs: number;
  /** Each slow wait is moved by up to this share of it, either way, so clients do not come back in a burst. */
  recoveryJitter: number;
  /**
   * How long after its first failure a request stops recovering and fails; `Infinity` (the default)
   * keeps it trying until it is aborted (an agent client's logout aborts its requests).
   */
  recoveryGiveUpAfterMs: number;
}

/** The documented defaults (platform §6.1). */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  delaysMs: [5_000, 10_000, 15_000],
  minRetryAfterMs: 1_000,
  loginRetryAfterMs: 5_000,
  maxRateLimitRetries: 5,
  rateLimitJitterMs: 250,
  recoveryDelayMs: 120_000,
  recoveryFactor: 2,
  recoveryMaxDelayMs: 1_800_000,
  recoveryJitter: 0.1,
  recoveryGiveUpAfterMs: Number.POSITIVE_INFINITY,
};

/** What a client tells about its slow recovery (HttpOptions.onRecovery). */
export type RecoveryEvent =
  | {
      /** The fast retries are spent and the request waits `delayMs` before its next attempt. */
      type: 'waiting';
      method: string;
      url: string;
      /** The slow wait's number: 1 for the first after the fast retries. */
      attempt: number;
      delayMs: number;
      /** How long the request has been failing (ms, on the client's clock). */
      downForMs: number;
      /** The last failure: no answer (status 0) or a 5xx. */
      status: number;
    }
  | {
      /** The request got an answer again after slow waits. */
      type: 'recovered';
      method: string;
      url: string;
      attempts: number;
      downForMs: number;
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
 * the next one, or undefined when the request must fail now. With `recover`, the fast retries are
 * followed by slow ones (`recoveryDelayMs` growing by `recoveryFactor`) until
 * `recoveryGiveUpAfterMs` after the first failure, on the clock `now`.
 */
export function createRetryState(
  policy: RetryPolicy,
  kind: RequestKind,
  random: () => number = Math.random,
  options: { recover?: boolean; now?: () => number } = {},
) {
  const now = options.now ?? Date.now;
  let serverFailures = 0;
  let slowWaits = 0;
  let rateLimits = 0;
  let failingSince: number | undefined;
  return {
    /** A 5xx answer or no answer at all (network error, timeout). */
    afterServerFailure(): number | undefined {
      failingSince ??= now();
      const fast = policy.delaysMs[serverFailures];
      serverFailures += 1;
      if (fast !== undefined || options.recover !== true) return fast;
      const base = Math.min(
        policy.recoveryMaxDelayMs,
        policy.recoveryDelayMs * policy.recoveryFactor ** Math.min(slowWaits, 64),
      );
      const delay = Math.max(0, Math.round(base * (1 + policy.recoveryJitter * (2 * random() - 1))));
      if (now() - failingSince + delay > policy.recoveryGiveUpAfterMs) return undefined;
      slowWaits += 1;
      return delay;
    },
    /** A 429 answer with its `Retry-After` (ms, if any). */
    afterRateLimit(retryAfter: number | undefined): number | undefined {
      if (rateLimits >= policy.maxRateLimitRetries) return undefined;
      rateLimits += 1;
      const floor = kind === 'login' ? policy.loginRetryAfterMs : policy.minRetryAfterMs;
      return Math.max(floor, retryAfter ?? floor) + Math.floor(random() * policy.rateLimitJitterMs);
    },
    /** How many slow waits the request has made (0 while the fast retries last). */
    get slowWaits(): number {
      return slowWaits;
    },
    /** How long the request has been failing on the clock `now` (0 when it has not failed). */
    downForMs(): number {
      return failingSince === undefined ? 0 : now() - failingSince;
    },
  };
}
