import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import type { BusEvent } from '../../src/core/ports.js';
import { loadConfig } from '../../src/config.js';
import { openRuntime, type Runtime } from '../../src/runtime.js';
import { eventually } from '../support/eventually.js';
import { redisUnavailable, startRedisServer, type RedisServer } from '../support/redis-server.js';
import { TEST_SCRYPT_COST } from '../support/test-core.js';

const unavailable = redisUnavailable();

describe('two runtimes with PARLEY_REDIS_URL (two nodes)', { skip: unavailable }, () => {
  let redis: RedisServer;
  let dir: string;
  const runtimes: Runtime[] = [];
  const clock = new ManualClock();

  before(async () => {
    redis = await startRedisServer();
    // Away when the nodes start: they must start anyway and connect once it is there.
    await redis.stop();
    dir = mkdtempSync(join(tmpdir(), 'parley-redis-runtime-'));
    const config = loadConfig({
      PARLEY_DATABASE_URL: `sqlite:${join(dir, 'parley.db')}`,
      PARLEY_SECRET_KEY: randomBytes(32).toString('hex'),
      PARLEY_REDIS_URL: redis.url,
    });
    const redisPrefix = `test-${randomUUID()}:`;
    for (let i = 0; i < 2; i += 1) {
      runtimes.push(await openRuntime(config, { clock, scryptCost: TEST_SCRYPT_COST, redisPrefix }));
    }
  });
  after(async () => {
    for (const runtime of runtimes) await runtime.close();
    await redis.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('start while Redis is away, say so, and connect by themselves once it is there', async () => {
    for (const runtime of runtimes) {
      assert.equal(runtime.redis?.condition(), 'unreachable');
      assert.equal(runtime.deps.bus.condition?.(), 'unreachable');
    }
    // Meanwhile a budget cannot be counted: 503, not admitted.
    await assert.rejects(runtimes[0]!.deps.rateLimiter.take('k', { burst: 1, perSecond: 1 }), { code: 'UNAVAILABLE' });
    await redis.start();
    await eventually('both nodes connected', () =>
      runtimes.every((runtime) => runtime.redis?.condition() === 'ok' && runtime.deps.bus.condition?.() === 'ok'),
    );
  });

  it('share the bus and the budgets', async () => {
    const [first, second] = runtimes;
    assert.ok(first !== undefined && second !== undefined);
    const seen: BusEvent[] = [];
    second.deps.bus.subscribe('agent.availability', (event) => seen.push(event));
    first.deps.bus.publish({
      type: 'agent.availability',
      accountId: '1',
      sessionId: 's',
      userId: 1,
      availability: 'Away',
    });
    await eventually('the other node to hear it', () => seen.length === 1);

    const budget = { burst: 1, perSecond: 1 / 60 };
    assert.deepEqual(await first.deps.rateLimiter.take('caller', budget), { allowed: true });
    assert.equal((await second.deps.rateLimiter.take('caller', budget)).allowed, false);
    // The failed-login buckets are apart from the request budgets.
    assert.deepEqual(await second.deps.loginLimiter.take('caller', budget), { allowed: true });
  });
});
