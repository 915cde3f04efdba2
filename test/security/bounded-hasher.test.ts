import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError, ErrorCode } from '../../src/core/errors.js';
import type { PasswordHasher } from '../../src/core/ports.js';
import { createBoundedHasher } from '../../src/security/bounded-hasher.js';
import { createScryptHasher } from '../../src/security/scrypt-hasher.js';
import { TEST_SCRYPT_COST } from '../support/test-core.js';

/** A hasher whose every call waits until the test lets it finish, counting how many run at once. */
function gatedHasher() {
  const pending: { plain: string; finish: (ok: boolean) => void }[] = [];
  const state = { running: 0, mostAtOnce: 0, started: [] as string[] };
  const run = (plain: string) =>
    new Promise<boolean>((resolve, reject) => {
      state.running += 1;
      state.mostAtOnce = Math.max(state.mostAtOnce, state.running);
      state.started.push(plain);
      pending.push({
        plain,
        finish: (ok) => {
          state.running -= 1;
          if (ok) resolve(true);
          else reject(new Error('scrypt failed'));
        },
      });
    });
  const hasher: PasswordHasher = { hash: async (plain) => String(await run(plain)), verify: (plain) => run(plain) };
  /** Lets the oldest running call finish, then lets queued work start. */
  const finishOldest = async (ok = true) => {
    const next = pending.shift();
    assert.ok(next, 'nothing is running');
    next.finish(ok);
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { hasher, state, finishOldest };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('the bounded password hasher', () => {
  it('runs one hash at a time and the waiting ones in arrival order', async () => {
    const gated = gatedHasher();
    const bounded = createBoundedHasher(gated.hasher, { concurrency: 1, maxQueued: 10, retryAfterMs: 2_000 });
    const results = ['a', 'b', 'c', 'd'].map((plain) => bounded.verify(plain, 'stored'));
    await settle();
    assert.deepEqual(gated.state.started, ['a']);
    for (let i = 0; i < 4; i += 1) await gated.finishOldest();
    assert.deepEqual(await Promise.all(results), [true, true, true, true]);
    assert.deepEqual(gated.state.started, ['a', 'b', 'c', 'd']);
    assert.equal(gated.state.mostAtOnce, 1);
  });

  it('refuses work beyond the queue at once with UNAVAILABLE and a retry delay, without hashing it', async () => {
    const gated = gatedHasher();
    const bounded = createBoundedHasher(gated.hasher, { concurrency: 1, maxQueued: 2, retryAfterMs: 3_000 });
    const admitted = [bounded.verify('a', 's'), bounded.verify('b', 's'), bounded.hash('c')];
    await assert.rejects(bounded.verify('d', 's'), (error: unknown) => {
      assert.ok(error instanceof AppError);
      assert.equal(error.code, ErrorCode.UNAVAILABLE);
      assert.equal(error.retryAfterMs, 3_000);
      return true;
    });
    for (let i = 0; i < 3; i += 1) await gated.finishOldest();
    assert.deepEqual(await Promise.all(admitted), [true, true, 'true']);
    assert.deepEqual(gated.state.started, ['a', 'b', 'c']);
    // With the queue drained there is room again.
    const later = bounded.verify('e', 's');
    await settle();
    await gated.finishOldest();
    assert.equal(await later, true);
  });

  it('hands a failed hash’s turn to the next caller', async () => {
    const gated = gatedHasher();
    const bounded = createBoundedHasher(gated.hasher, { concurrency: 1, maxQueued: 5, retryAfterMs: 1_000 });
    const failing = assert.rejects(bounded.verify('a', 's'), /scrypt failed/);
    const next = bounded.verify('b', 's');
    await settle();
    await gated.finishOldest(false);
    await failing;
    await gated.finishOldest();
    assert.equal(await next, true);
    assert.equal(gated.state.running, 0);
  });

  it('keeps real scrypt hashes to the bound while every one of them verifies', async () => {
    const scrypt = createScryptHasher(TEST_SCRYPT_COST);
    const stored = await scrypt.hash('right');
    let running = 0;
    let mostAtOnce = 0;
    const counting: PasswordHasher = {
      hash: (plain) => scrypt.hash(plain),
      async verify(plain, hash) {
        running += 1;
        mostAtOnce = Math.max(mostAtOnce, running);
        try {
          return await scrypt.verify(plain, hash);
        } finally {
          running -= 1;
        }
      },
    };
    const bounded = createBoundedHasher(counting, { concurrency: 2, maxQueued: 20, retryAfterMs: 1_000 });
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => bounded.verify(i % 3 === 0 ? 'wrong' : 'right', stored)),
    );
    assert.deepEqual(
      answers,
      Array.from({ length: 12 }, (_, i) => i % 3 !== 0),
    );
    assert.equal(mostAtOnce, 2);
  });
});
