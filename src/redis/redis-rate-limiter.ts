import type { Redis, Result } from 'ioredis';
import { AppError, ErrorCode, UNAVAILABLE_RETRY_AFTER_MS } from '../core/errors.js';
import type { Clock, RateBudget, RateLimiter } from '../core/ports.js';

/**
 * The token bucket of src/memory/memory-rate-limiter.ts, in one Lua script so that a take is one
 * atomic step however many nodes take from the bucket at once. A bucket is a hash {tokens, at}.
 *
 * Time is the node's clock (the core's Clock port), passed as an argument, not Redis's TIME: the
 * budgets then follow the same clock as everything else the core times, and tests move it with a
 * ManualClock. Nodes' clocks differ by milliseconds, which moves a refill by milliseconds' worth of
 * tokens; `at` never goes back, so a node whose clock is behind neither takes tokens away nor makes
 * another node count the same interval twice.
 *
 * ARGV: burst, perSecond, now (ms), and 1 to take or 0 to refund. Take answers {1} or {0, retry
 * after ms}; refund answers {1}. A bucket expires once it would have refilled completely: as good as
 * new, it need not be kept, and so idle callers cost Redis nothing.
 */
const BUCKET_SCRIPT = `
local burst = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local isTake = ARGV[4] == '1'
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = burst
local at = now
if state[1] then
  local last = tonumber(state[2])
  tokens = math.min(burst, tonumber(state[1]) + math.max(0, now - last) / 1000 * rate)
  at = math.max(now, last)
elseif not isTake then
  -- Expired: it has refilled, and has nothing to give back to.
  return {1}
end
local answer
if not isTake then
  tokens = math.min(burst, tokens + 1)
  answer = {1}
elseif tokens >= 1 then
  tokens = tokens - 1
  answer = {1}
else
  answer = {0, math.ceil((1 - tokens) / rate * 1000)}
end
local refillMs = math.ceil((burst - tokens) / rate * 1000)
if refillMs <= 0 then
  redis.call('DEL', KEYS[1])
else
  redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at))
  redis.call('PEXPIRE', KEYS[1], refillMs)
end
return answer
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    parleyBucket(
      key: string,
      burst: number,
      perSecond: number,
      now: number,
      isTake: 0 | 1,
    ): Result<[1] | [0, number], Context>;
  }
}

/**
 * Token buckets in Redis, shared by every node: one budget per account and per credential however
 * the load balancer spreads a caller's requests. `prefix` keeps limiters apart (request budgets and
 * failed logins). When Redis cannot answer, take and refund reject with UNAVAILABLE.
 */
export function createRedisRateLimiter(redis: Redis, clock: Clock, prefix: string): RateLimiter {
  // defineCommand sends the script once per connection and then calls it by its SHA (EVALSHA).
  redis.defineCommand('parleyBucket', { numberOfKeys: 1, lua: BUCKET_SCRIPT });
  const run = async (key: string, budget: RateBudget, isTake: 0 | 1) => {
    try {
      return await redis.parleyBucket(`${prefix}${key}`, budget.burst, budget.perSecond, clock.now(), isTake);
    } catch (error) {
      throw new AppError(ErrorCode.UNAVAILABLE, 'The rate limiter is unavailable; try again shortly', {
        retryAfterMs: UNAVAILABLE_RETRY_AFTER_MS,
        cause: error,
      });
    }
  };
  return {
    async take(key, budget) {
      const answer = await run(key, budget, 1);
      return answer[0] === 1 ? { allowed: true } : { allowed: false, retryAfterMs: answer[1] };
    },
    async refund(key, budget) {
      await run(key, budget, 0);
    },
  };
}
