import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sharedRead } from '../../src/store/shared-read.js';

/** A read whose answers the test gives, one by one, in the order the reads were sent. */
function controlledRead() {
  const sent: { resolve: (value: number) => void; reject: (error: Error) => void }[] = [];
  const read = () =>
    new Promise<number>((resolve, reject) => {
      sent.push({ resolve, reject });
    });
  return { read, sent };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('a read shared by the requests under way', () => {
  it('sends one read for a caller alone, and its answer is the caller’s', async () => {
    const { read, sent } = controlledRead();
    const shared = sharedRead(read);
    const answer = shared();
    assert.equal(sent.length, 1);
    sent[0]!.resolve(7);
    assert.equal(await answer, 7);
  });

  it('answers a caller who came while a read was under way with the next read, never that one', async () => {
    const { read, sent } = controlledRead();
    const shared = sharedRead(read);
    const first = shared();
    // Sent before these callers asked: it may predate a write they must see.
    const second = shared();
    const third = shared();
    assert.equal(sent.length, 1, 'the next read waits for the one under way');
    sent[0]!.resolve(1);
    assert.equal(await first, 1);
    await settled();
    assert.equal(sent.length, 2, 'one read for everyone who came meanwhile');
    sent[1]!.resolve(2);
    assert.deepEqual([await second, await third], [2, 2]);
  });

  it('tells a failed read to its callers, and sends a new one for the next caller', async () => {
    const { read, sent } = controlledRead();
    const shared = sharedRead(read);
    const failing = shared();
    const waiting = shared();
    sent[0]!.reject(new Error('database unavailable'));
    await assert.rejects(failing, /database unavailable/);
    await settled();
    sent[1]!.resolve(3);
    assert.equal(await waiting, 3, 'the read after a failure is sent all the same');
    const later = shared();
    assert.equal(sent.length, 3);
    sent[2]!.resolve(4);
    assert.equal(await later, 4);
  });
});
