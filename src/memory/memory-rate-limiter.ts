import type { Clock, RateBudget, RateLimiter } from '../core/ports.js';

interface Bucket {
  tokens: number;
  updatedAt: number;
  /** The budget it was last used with, to tell when it has refilled completely. */
  budget: RateBudget;
}

const refilledAt = (bucket: Bucket, now: number) =>
  Math.min(bucket.budget.burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * bucket.budget.perSecond);

/**
 * Token buckets in a Map of at most `maxBuckets`, so memory follows the number of active callers,
 * not of all callers ever seen. The Map's order is least recently used first (a bucket is deleted
 * and set again on each use). When it overflows, buckets that have refilled completely go first —
 * dropping one loses nothing, it is as good as new — and only then the least recently used: an
 * attacker who floods it with fresh keys evicts idle callers, not the bucket it keeps spending.
 */
export function createMemoryRateLimiter(clock: Clock, maxBuckets = 100_000): RateLimiter {
  const buckets = new Map<string, Bucket>();
  // Each sweep frees 1% beyond the limit, so that a Map full of live buckets is not scanned on
  // every new key.
  const sweepTo = maxBuckets - Math.floor(maxBuckets / 100);
  const put = (key: string, bucket: Bucket) => {
    buckets.delete(key);
    buckets.set(key, bucket);
  };
  return {
    // Promises only because the port is shared with adapters that ask another process.
    async take(key, budget) {
      const now = clock.now();
      const known = buckets.get(key);
      const refilled = known === undefined ? budget.burst : refilledAt({ ...known, budget }, now);
      if (refilled >= 1) {
        put(key, { tokens: refilled - 1, updatedAt: now, budget });
        if (buckets.size > maxBuckets) sweep(now);
        return { allowed: true };
      }
      put(key, { tokens: refilled, updatedAt: now, budget });
      return { allowed: false, retryAfterMs: Math.ceil(((1 - refilled) / budget.perSecond) * 1000) };
    },
    async refund(key, budget) {
      const bucket = buckets.get(key);
      // No bucket: it was swept as full (or least recently used), and has nothing to give back to.
      if (bucket === undefined) return;
      const now = clock.now();
      const tokens = Math.min(budget.burst, refilledAt({ ...bucket, budget }, now) + 1);
      put(key, { tokens, updatedAt: now, budget });
    },
  };

  function sweep(now: number): void {
    for (const [key, bucket] of buckets) {
      if (refilledAt(bucket, now) >= bucket.budget.burst) buckets.delete(key);
    }
    for (const key of buckets.keys()) {
      if (buckets.size <= sweepTo) break;
      buckets.delete(key);
    }
  }
}
