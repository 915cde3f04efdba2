import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import type { RateBudget, RateLimiter } from '../../src/core/ports.js';
import { createMemoryRateLimiter } from '../../src/memory/memory-rate-limiter.js';

/** Two tokens, then one every 100 s: a bucket stays spent for the length of a test. */
const slow: RateBudget = { burst: 2, perSecond: 1 / 100 };
/** Refills completely within a second. */
const fast: RateBudget = { burst: 2, perSecond: 10 };

const spend = (limiter: RateLimiter, key: string, budget: RateBudget) => {
  while (limiter.take(key, budget).allowed);
};
const isSpent = (limiter: RateLimiter, key: string, budget: RateBudget) => !limiter.take(key, budget).allowed;

describe('the memory rate limiter at its capacity', () => {
  it('drops buckets that have refilled before a spent one in use, however old it is', () => {
    const clock = new ManualClock();
    const limiter = createMemoryRateLimiter(clock, 3);
    spend(limiter, 'attacker', slow);
    limiter.take('idle-1', fast);
    limiter.take('idle-2', fast);
    clock.advance(1_000);
    limiter.take('new-1', slow);
    limiter.take('new-2', slow);
    assert.ok(isSpent(limiter, 'attacker', slow), 'the oldest bucket, still spent, was evicted');
  });

  it('evicts the least recently used bucket when none has refilled, not the first inserted', () => {
    const clock = new ManualClock();
    const limiter = createMemoryRateLimiter(clock, 3);
    spend(limiter, 'first', slow);
    spend(limiter, 'second', slow);
    spend(limiter, 'third', slow);
    // Using the first bucket makes the second the least recently used.
    assert.ok(isSpent(limiter, 'first', slow));
    limiter.take('fourth', slow);
    assert.ok(isSpent(limiter, 'first', slow), 'a bucket in use was evicted');
    assert.ok(!isSpent(limiter, 'second', slow), 'the least recently used bucket was kept');
  });

  it('keeps a bucket in use through a flood of fresh keys', () => {
    const clock = new ManualClock();
    const limiter = createMemoryRateLimiter(clock, 100);
    spend(limiter, 'kept', slow);
    for (let i = 0; i < 1_000; i += 1) {
      limiter.take(`junk-${i}`, slow);
      // The spender keeps spending, so it stays among the recently used.
      if (i % 50 === 0) assert.ok(isSpent(limiter, 'kept', slow));
    }
    assert.ok(isSpent(limiter, 'kept', slow));
  });
});
