import type { Clock, RateBudget, RateLimiter } from '../core/ports.js';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * Token buckets in a Map. Buckets that have refilled completely are dropped on the next sweep,
 * so memory follows the number of active callers, not of all callers ever seen.
 */
export function createMemoryRateLimiter(clock: Clock, maxBuckets = 100_000): RateLimiter {
  const buckets = new Map<string, Bucket>();
  const refilledAt = (bucket: Bucket, budget: RateBudget, now: number) =>
    Math.min(budget.burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * budget.perSecond);
  return {
    take(key, budget) {
      const now = clock.now();
      const bucket = buckets.get(key) ?? { tokens: budget.burst, updatedAt: now };
      const refilled = refilledAt(bucket, budget, now);
      if (refilled >= 1) {
        buckets.set(key, { tokens: refilled - 1, updatedAt: now });
        if (buckets.size > maxBuckets) sweep(now);
        return { allowed: true };
      }
      buckets.set(key, { tokens: refilled, updatedAt: now });
      return { allowed: false, retryAfterMs: Math.ceil(((1 - refilled) / budget.perSecond) * 1000) };
    },
    refund(key, budget) {
      const bucket = buckets.get(key);
      // No bucket: it was swept as full, and a full bucket has nothing to give back to.
      if (bucket === undefined) return;
      const now = clock.now();
      buckets.set(key, { tokens: Math.min(budget.burst, refilledAt(bucket, budget, now) + 1), updatedAt: now });
    },
  };

  function sweep(now: number): void {
    // Oldest first (Map keeps insertion order); a bucket idle for a minute is treated as full.
    for (const [key, bucket] of buckets) {
      if (now - bucket.updatedAt > 60_000 || buckets.size > maxBuckets) buckets.delete(key);
      else break;
    }
  }
}
