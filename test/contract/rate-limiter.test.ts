import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { ManualClock } from '../../src/core/clock.js';
import { AppError, ErrorCode } from '../../src/core/errors.js';
import { createMemoryRateLimiter } from '../../src/memory/memory-rate-limiter.js';
import { openRedisConnection, type RedisConnection } from '../../src/redis/redis-connection.js';
import { createRedisRateLimiter } from '../../src/redis/redis-rate-limiter.js';
import { eventually } from '../support/eventually.js';
import { redisUnavailable, startRedisServer, type RedisServer } from '../support/redis-server.js';
import { rateLimiterContract } from './rate-limiter.contract.js';

const unavailable = redisUnavailable();
let server: RedisServer | undefined;
before(async () => {
  if (unavailable === undefined) server = await startRedisServer();
});
after(async () => server?.close());

const redisUrl = () => {
  assert.ok(server !== undefined);
  return server.url;
};

rateLimiterContract({
  name: 'memory',
  unavailable: undefined,
  isShared: false,
  open: async (clock) => ({ limiter: createMemoryRateLimiter(clock), close: async () => undefined }),
});

rateLimiterContract({
  name: 'Redis',
  unavailable,
  isShared: true,
  async open(clock) {
    // Two connections, as two nodes have; one prefix, so they share the buckets.
    const prefix = `test-${randomUUID()}:`;
    const connections: RedisConnection[] = [];
    const node = () => {
      const connection = openRedisConnection(redisUrl());
      connections.push(connection);
      return createRedisRateLimiter(connection.commands, clock, prefix);
    };
    const limiter = node();
    const second = node();
    await eventually('both connections ready', () => connections.every((c) => c.condition() === 'ok'));
    return {
      limiter,
      another: () => second,
      close: async () => {
        await Promise.all(connections.map((c) => c.close()));
      },
    };
  },
});

describe('the Redis rate limiter', { skip: unavailable }, () => {
  it('lets an idle bucket expire once it would have refilled', async () => {
    const clock = new ManualClock();
    const connection = openRedisConnection(redisUrl());
    const inspector = new Redis(redisUrl());
    try {
      const prefix = `ttl-${randomUUID()}:`;
      const limiter = createRedisRateLimiter(connection.commands, clock, prefix);
      await eventually('the connection ready', () => connection.condition() === 'ok');
      await limiter.take('caller', { burst: 10, perSecond: 2 });
      await limiter.take('caller', { burst: 10, perSecond: 2 });
      // Two tokens short, at two a second: full again within a second.
      const ttl = await inspector.pttl(`${prefix}caller`);
      assert.ok(ttl > 0 && ttl <= 1_000, `PTTL ${ttl}`);
      // A refund that fills it leaves nothing to keep.
      await limiter.refund('caller', { burst: 10, perSecond: 2 });
      await limiter.refund('caller', { burst: 10, perSecond: 2 });
      assert.equal(await inspector.exists(`${prefix}caller`), 0);
    } finally {
      inspector.disconnect();
      await connection.close();
    }
  });

  it('rejects with UNAVAILABLE while Redis is away, and counts again once it is back', async () => {
    assert.ok(server !== undefined);
    const clock = new ManualClock();
    const connection = openRedisConnection(redisUrl());
    try {
      const limiter = createRedisRateLimiter(connection.commands, clock, `away-${randomUUID()}:`);
      await eventually('the connection ready', () => connection.condition() === 'ok');
      assert.deepEqual(await limiter.take('caller', { burst: 1, perSecond: 1 }), { allowed: true });
      await server.stop();
      await assert.rejects(
        limiter.take('caller', { burst: 1, perSecond: 1 }),
        (error) =>
          error instanceof AppError && error.code === ErrorCode.UNAVAILABLE && error.retryAfterMs !== undefined,
      );
      await assert.rejects(limiter.refund('caller', { burst: 1, perSecond: 1 }), AppError);
      await eventually('the connection seen lost', () => connection.condition() === 'unreachable');
      await server.start();
      await eventually('the connection back', () => connection.condition() === 'ok');
      // The restarted Redis is empty: a full bucket.
      assert.deepEqual(await limiter.take('caller', { burst: 1, perSecond: 1 }), { allowed: true });
    } finally {
      await connection.close();
    }
  });
});
