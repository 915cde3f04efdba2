import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import type { RateBudget, RateLimiter } from '../../src/core/ports.js';

/** One limiter to test, and, for an adapter whose budgets are shared, a second node's on them. */
export interface OpenedLimiter {
  limiter: RateLimiter;
  /** A second instance over the same budgets (another node), when the adapter shares them. */
  another?: () => RateLimiter;
  close(): Promise<void>;
}

export interface RateLimiterFactory {
  name: string;
  /** Why it cannot run here (the suite is skipped), or undefined. */
  unavailable: string | undefined;
  /** Whether two instances share their budgets (nodes over one Redis): `another` is then given. */
  isShared: boolean;
  open(clock: ManualClock): Promise<OpenedLimiter>;
}

/** Three tokens, then one a second. */
const budget: RateBudget = { burst: 3, perSecond: 1 };

/**
 * What every adapter of the RateLimiter port does (src/core/ports.ts): the token bucket of the
 * memory limiter, whatever keeps it.
 */
export function rateLimiterContract(factory: RateLimiterFactory): void {
  describe(`RateLimiter contract: ${factory.name}`, { skip: factory.unavailable }, () => {
    let clock: ManualClock;
    let opened: OpenedLimiter;
    let limiter: RateLimiter;
    // A fresh key per test: adapters that keep buckets elsewhere may outlive a test.
    let key: string;
    beforeEach(async () => {
      clock = new ManualClock();
      opened = await factory.open(clock);
      limiter = opened.limiter;
      key = `key-${randomUUID()}`;
    });
    afterEach(async () => opened.close());

    const takeAll = async (from: RateLimiter, count: number, bucket = budget) => {
      const decisions = [];
      for (let i = 0; i < count; i += 1) decisions.push(await from.take(key, bucket));
      return decisions;
    };
    const allowedCount = (decisions: { allowed: boolean }[]) => decisions.filter((d) => d.allowed).length;

    it('allows the burst at once, then refuses with the time until a token is back', async () => {
      const decisions = await takeAll(limiter, 4);
      assert.deepEqual(decisions.slice(0, 3), [{ allowed: true }, { allowed: true }, { allowed: true }]);
      assert.deepEqual(decisions[3], { allowed: false, retryAfterMs: 1_000 });
    });

    it('keeps each key its own bucket', async () => {
      await takeAll(limiter, 3);
      assert.deepEqual(await limiter.take(`${key}-other`, budget), { allowed: true });
      assert.equal((await limiter.take(key, budget)).allowed, false);
    });

    it('refills with time, at perSecond, up to the burst', async () => {
      await takeAll(limiter, 3);
      clock.advance(1_000);
      assert.equal(allowedCount(await takeAll(limiter, 2)), 1);
      // Long idle: back to the burst, never beyond it.
      clock.advance(60_000);
      assert.equal(allowedCount(await takeAll(limiter, 5)), 3);
    });

    it('says how long until the next token when part of one has refilled', async () => {
      const slow: RateBudget = { burst: 1, perSecond: 2 };
      await limiter.take(key, slow);
      clock.advance(200);
      assert.deepEqual(await limiter.take(key, slow), { allowed: false, retryAfterMs: 300 });
      clock.advance(300);
      assert.deepEqual(await limiter.take(key, slow), { allowed: true });
    });

    it('gives a refunded token back, never beyond the burst', async () => {
      await takeAll(limiter, 3);
      await limiter.refund(key, budget);
      assert.equal(allowedCount(await takeAll(limiter, 2)), 1);
      await limiter.refund(key, budget);
      await limiter.refund(key, budget);
      await limiter.refund(key, budget);
      await limiter.refund(key, budget);
      assert.equal(allowedCount(await takeAll(limiter, 5)), 3);
    });

    it('ignores a refund to a bucket it does not have (a fresh one is full)', async () => {
      await limiter.refund(key, budget);
      assert.equal(allowedCount(await takeAll(limiter, 5)), 3);
    });

    it('allows exactly the burst among 200 concurrent takes', async () => {
      const wide: RateBudget = { burst: 50, perSecond: 1 / 3600 };
      const nodes = [limiter, opened.another?.() ?? limiter];
      const decisions = await Promise.all(
        Array.from({ length: 200 }, (_, i) => (nodes[i % 2] ?? limiter).take(key, wide)),
      );
      assert.equal(allowedCount(decisions), 50);
    });

    if (!factory.isShared) return;

    it('shares one budget between two instances over the same store (two nodes)', async () => {
      const other = opened.another?.();
      assert.ok(other !== undefined);
      assert.equal(allowedCount(await takeAll(limiter, 2)), 2);
      assert.deepEqual(await other.take(key, budget), { allowed: true });
      assert.deepEqual(await other.take(key, budget), { allowed: false, retryAfterMs: 1_000 });
      assert.equal((await limiter.take(key, budget)).allowed, false);
      await other.refund(key, budget);
      assert.deepEqual(await limiter.take(key, budget), { allowed: true });
    });
  });
}
