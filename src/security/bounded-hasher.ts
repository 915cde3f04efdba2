import { AppError, ErrorCode } from '../core/errors.js';
import type { PasswordHasher } from '../core/ports.js';

export interface HashingBound {
  /** Hashes computed at once. Each holds a core for its whole run (in the scrypt worker's thread). */
  concurrency: number;
  /** Hashes waiting for a turn; one more is refused at once (503 + Retry-After) instead of queued. */
  maxQueued: number;
  /** What a refused caller is told to wait. */
  retryAfterMs: number;
}

/**
 * One scrypt at a time, leaving one of two cores to the event loop (scrypt runs in a worker thread
 * of its own, off libuv's pool, src/security/scrypt-worker.ts). The bound's real job is the queue:
 * at most 32 waiting (a shift of agents logging in at once; about 3 s of hashing at the production
 * cost), so a flood is refused at once with 503 rather than queued without end, and how late a
 * queued login is answered stays bounded.
 */
export const defaultHashingBound: HashingBound = { concurrency: 1, maxQueued: 32, retryAfterMs: 2_000 };

/**
 * A PasswordHasher that runs at most `concurrency` hashes of `inner` at once, in arrival order,
 * and refuses work beyond `maxQueued` waiting with UNAVAILABLE. Password hashing is made to be
 * slow; unbounded, a login flood would queue hashes without end, each answer later than the last
 * and memory growing (docs/adr/0008-login-throttling.md). The core does not know: the bound is this adapter's.
 */
export function createBoundedHasher(inner: PasswordHasher, bound: HashingBound = defaultHashingBound): PasswordHasher {
  let running = 0;
  const waiting: (() => void)[] = [];

  const turn = async (): Promise<void> => {
    if (running < bound.concurrency) {
      running += 1;
      return;
    }
    if (waiting.length >= bound.maxQueued) {
      throw new AppError(ErrorCode.UNAVAILABLE, 'Too many logins at once; try again shortly', {
        retryAfterMs: bound.retryAfterMs,
      });
    }
    // The slot is handed over by `done` (running stays the same), so nobody can overtake.
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const done = (): void => {
    const next = waiting.shift();
    if (next === undefined) running -= 1;
    else next();
  };
  const bounded =
    <A extends unknown[], R>(work: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      await turn();
      try {
        return await work(...args);
      } finally {
        done();
      }
    };

  return {
    hash: bounded((plain: string) => inner.hash(plain)),
    verify: bounded((plain: string, hash: string) => inner.verify(plain, hash)),
  };
}
