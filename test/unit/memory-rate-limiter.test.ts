import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import type { RateBudget, RateLimiter } from '../../src/core/ports.js';
import { createMemoryRateLimiter } from '../../src/memory/memory-rate-limiter.js';

/** Two tokens, then one every 100 s: a bucket stays spent for the length of a test. */
const slow: RateBudget = { burst: 2, perSecond: 1 / 100 };
/** Refills completely within a second. */
const fast: RateBudget = { burst: 2, perSecond: 10 };

const spend = async (limiter: RateLimiter, key: string, budget: RateBudget) => {
  while ((await limiter.take(key, budget)).allowed);
};
const isSpent = async (limiter: RateLimiter, key: string, budget: RateBudget) =>
  !(await limiter.take(key, budget)).allowed;

describe('the memory rate limiter at its capacity', () => {
  it('drops buckets that have refilled before a spent one in use, however old it is', async () => {
    const clock = new ManualClock();
    const limiter = createMemoryRateLimiter(clock, 3);
    await spend(limiter, 'attacker', slow);
    await limiter.take('idle-1', fast);
    await limiter.take('idle-2', fast);
    clock.advance(1_000);
    await limiter.take('new-1', slow);
    await limiter.take('new-2', slow);
    assert.ok(await isSpent(limiter, 'attacker', slow), 'the oldest bucket, still spent, was evicted');
  });

  it('evicts the least recently used bucket when none has refilled, not the first inserted', async () => {
    const clock = new ManualClock();
    const limiter = createMemoryRateLimiter(clock, 3);
    await spend(limiter, 'first', slow);
    await spend(limiter, 'second', slow);
    await spend(limiter, 'third', slow);
    // Using the first bucket makes the second the least recently used.
    assert.ok(await isSpent(limiter, 'first', slow));
    await limiter.take('fourth', slow);
    assert.ok(await isSpent(limiter, 'first', slow), 'a bucket in use was evicted');
    assert.ok(!(await isSpent(limiter, 'second', slow)), 'the least recently used bucket was kept');
  });

  it('keeps a bucket in use through a flood of fresh keys', async () => {
    const clock = new ManualClock();
    const limiter = createMemoryRateLimiter(clock, 100);
    await spend(limiter, 'kept', slow);
    for (let i = 0; i < 1_000; i += 1) {
      await limiter.take(`junk-${i}`, slow);
      // The spender keeps spending, so it stays among the recently used.
      if (i % 50 === 0) assert.ok(await isSpent(limiter, 'kept', slow));
    }
    assert.ok(await isSpent(limiter, 'kept', slow));
  });
});
