import assert from 'node:assert/strict';
import { getPriority } from 'node:os';
import { after, describe, it } from 'node:test';
import { createScryptHasher } from '../../src/security/scrypt-hasher.js';
import { createScryptWorker } from '../../src/security/scrypt-worker.js';
import { TEST_SCRYPT_COST } from '../support/test-core.js';

describe('scrypt in a worker thread', () => {
  const worker = createScryptWorker();
  after(() => worker.close());
  const inWorker = createScryptHasher(TEST_SCRYPT_COST, worker.derive);
  const onPool = createScryptHasher(TEST_SCRYPT_COST);

  it('gives the same hashes as scrypt on the thread pool, both ways', async () => {
    const fromWorker = await inWorker.hash('s3cret');
    const fromPool = await onPool.hash('s3cret');
    assert.equal(await onPool.verify('s3cret', fromWorker), true);
    assert.equal(await inWorker.verify('s3cret', fromPool), true);
    assert.equal(await inWorker.verify('wrong', fromPool), false);
    const answers = await Promise.all(['a', 'b', 'c'].map((plain) => inWorker.verify(plain, fromPool)));
    assert.deepEqual(answers, [false, false, false]);
  });

  it('leaves the priority of the server’s own thread alone', async () => {
    const before = getPriority();
    await inWorker.hash('warm the worker up');
    assert.equal(getPriority(), before);
  });

  it('refuses parameters scrypt refuses, and keeps working afterwards', async () => {
    await assert.rejects(worker.derive('x', Buffer.from('salt'), 32, { N: 3, r: 8, p: 1 }), /scrypt failed/);
    const hash = await inWorker.hash('after');
    assert.equal(await onPool.verify('after', hash), true);
  });
});
