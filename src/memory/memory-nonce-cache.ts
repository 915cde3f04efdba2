import type { Clock, NonceCache } from '../core/ports.js';

/** Nonces seen per scope, each forgotten when its window passes. */
export function createMemoryNonceCache(clock: Clock): NonceCache {
  const seen = new Map<string, number>();
  let nextSweep = 0;
  return {
    remember(scope, nonce, ttlMs) {
      const now = clock.now();
      if (now >= nextSweep) {
        for (const [key, expiresAt] of seen) if (expiresAt <= now) seen.delete(key);
        nextSweep = now + 10_000;
      }
      const key = `${scope}\u0000${nonce}`;
      const expiresAt = seen.get(key);
      if (expiresAt !== undefined && expiresAt > now) return false;
      seen.set(key, now + ttlMs);
      return true;
    },
  };
}
