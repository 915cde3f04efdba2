import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatTouch } from '../../src/core/chats/chat-model.js';
import type { Store } from '../../src/core/ports.js';
import { createTouchBuffer } from '../../src/core/chats/touch-buffer.js';
import { DEFERRABLE_BEYOND_MS } from '../../src/core/write-behind.js';
import { sampleChat } from '../support/chat-fixture.js';

const T0 = Date.UTC(2026, 10, 21, 9, 30, 0);

/** A store whose chats.touch records each batch, or fails while `failing` is set. */
function recordingStore() {
  const batches: ChatTouch[][] = [];
  const state = { failing: false };
  const store = {
    chats: {
      touch: (touches: readonly ChatTouch[]) => {
        if (state.failing) return Promise.reject(new Error('database away'));
        batches.push([...touches]);
        return Promise.resolve();
      },
    },
  } as unknown as Store;
  return { store, batches, state };
}

const touch = (chatId: string, at: number, idleDueAt: number | null, retainUntil: number | null = null) => ({
  accountId: '12345678',
  chatId,
  at,
  idleDueAt,
  retainUntil,
});

describe('requests recorded on chats in memory', () => {
  it('keeps one touch per chat with the later of each time, and writes them all in one batch', async () => {
    const { store, batches } = recordingStore();
    const buffer = createTouchBuffer(store);
    buffer.record(touch('a', T0 + 2_000, T0 + 90_000));
    buffer.record(touch('a', T0 + 3_000, T0 + 63_000)); // a plain poll after a long-poll's longer hold
    buffer.record(touch('b', T0 + 1_000, T0 + 61_000));
    assert.equal(buffer.size, 2);
    await buffer.flush();
    assert.deepEqual(batches, [[touch('a', T0 + 3_000, T0 + 90_000), touch('b', T0 + 1_000, T0 + 61_000)]]);
    assert.equal(buffer.size, 0);
    await buffer.flush();
    assert.equal(batches.length, 1, 'nothing recorded, nothing written');
  });

  it('shows a chat with its unwritten touch: the idle deadline while live, the retention once ended', () => {
    const buffer = createTouchBuffer(recordingStore().store);
    const live = sampleChat({ id: 'a', state: 'chatting', lastUpdate: T0, idleDueAt: T0 + 60_000 });
    const ended = sampleChat({ id: 'b', state: 'ended', lastUpdate: T0, retainUntil: T0 + 1_800_000 });
    buffer.record(touch('a', T0 + 5_000, T0 + 65_000, null));
    buffer.record(touch('b', T0 + 5_000, T0 + 65_000, T0 + 1_805_000));
    assert.deepEqual({ ...buffer.applied(live) }, { ...live, lastUpdate: T0 + 5_000, idleDueAt: T0 + 65_000 });
    assert.deepEqual(buffer.applied(ended), { ...ended, lastUpdate: T0 + 5_000, retainUntil: T0 + 1_805_000 });
    const untouched = sampleChat({ id: 'c' });
    assert.equal(buffer.applied(untouched), untouched);
  });

  it('keeps what a failed flush could not write, merged with what was recorded meanwhile', async () => {
    const { store, batches, state } = recordingStore();
    const buffer = createTouchBuffer(store);
    buffer.record(touch('a', T0 + 1_000, T0 + 61_000));
    state.failing = true;
    await assert.rejects(buffer.flush(), /database away/);
    buffer.record(touch('a', T0 + 2_000, T0 + 62_000));
    buffer.record(touch('b', T0 + 2_000, T0 + 62_000));
    state.failing = false;
    await buffer.flush();
    assert.deepEqual(batches, [[touch('a', T0 + 2_000, T0 + 62_000), touch('b', T0 + 2_000, T0 + 62_000)]]);
  });

  it('still shows a chat with its touch while the flush that writes it is under way', async () => {
    const batches: ChatTouch[][] = [];
    let finishWrite = () => {};
    const store = {
      chats: {
        touch: (touches: readonly ChatTouch[]) => {
          batches.push([...touches]);
          return new Promise<void>((resolve) => (finishWrite = resolve));
        },
      },
    } as unknown as Store;
    const buffer = createTouchBuffer(store);
    const live = sampleChat({ id: 'a', state: 'chatting', lastUpdate: T0, idleDueAt: T0 + 60_000 });
    buffer.record(touch('a', T0 + 5_000, T0 + 65_000));
    const flushed = buffer.flush();
    assert.equal(buffer.size, 0, 'the batch left the buffer');
    assert.deepEqual(buffer.applied(live), { ...live, lastUpdate: T0 + 5_000, idleDueAt: T0 + 65_000 });
    // A request meanwhile: its touch and the one being written, the later of each time.
    buffer.record(touch('a', T0 + 6_000, T0 + 64_000));
    assert.deepEqual(buffer.applied(live), { ...live, lastUpdate: T0 + 6_000, idleDueAt: T0 + 65_000 });
    finishWrite();
    await flushed;
    // Written: the row holds it now, and only the later touch waits.
    assert.deepEqual(buffer.applied(live), { ...live, lastUpdate: T0 + 6_000, idleDueAt: T0 + 64_000 });
    assert.deepEqual(batches, [[touch('a', T0 + 5_000, T0 + 65_000)]]);
  });

  it('lets a touch wait only while the stored deadline is more than 10 s away', () => {
    const buffer = createTouchBuffer(recordingStore().store);
    const now = T0 + 30_000;
    const liveDueIn = (ms: number) => sampleChat({ state: 'chatting', idleDueAt: now + ms });
    assert.equal(buffer.isDeferrable(liveDueIn(DEFERRABLE_BEYOND_MS + 1), now), true);
    assert.equal(buffer.isDeferrable(liveDueIn(DEFERRABLE_BEYOND_MS), now), false);
    assert.equal(buffer.isDeferrable(sampleChat({ state: 'ended', retainUntil: now + 5_000 }), now), false);
    assert.equal(buffer.isDeferrable(sampleChat({ state: 'ended', retainUntil: now + 60_000 }), now), true);
  });
});
