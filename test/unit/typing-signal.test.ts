import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createTypingSignal,
  TYPING_IDLE_MS,
  TYPING_RENEW_MS,
  type TypingTimers,
} from '../../packages/web/src/shared/typing-signal.js';

/** A clock and one-shot timers that move only when the test says. */
function manualTimers() {
  let now = 0;
  let nextId = 0;
  const pending = new Map<number, { at: number; callback: () => void }>();
  const timers: TypingTimers = {
    now: () => now,
    setTimeout(callback, ms) {
      nextId += 1;
      pending.set(nextId, { at: now + ms, callback });
      return nextId;
    },
    clearTimeout: (handle) => void pending.delete(handle as number),
  };
  return {
    timers,
    advance(ms: number) {
      now += ms;
      for (const [id, timer] of [...pending]) {
        if (timer.at <= now) {
          pending.delete(id);
          timer.callback();
        }
      }
    },
  };
}

/** A signal over manual timers and what it sent. */
function signalUnderTest() {
  const clock = manualTimers();
  const sent: boolean[] = [];
  const signal = createTypingSignal((isTyping) => sent.push(isTyping), clock.timers);
  return { ...clock, sent, signal };
}

describe('typing signal', () => {
  it('says typing at the first keystroke only, not at every one', () => {
    const { signal, sent, advance } = signalUnderTest();
    signal.onKeystroke();
    for (let key = 0; key < 10; key += 1) {
      advance(200);
      signal.onKeystroke();
    }
    assert.deepEqual(sent, [true]);
  });

  it('renews typing every few seconds while keystrokes continue', () => {
    const { signal, sent, advance } = signalUnderTest();
    signal.onKeystroke();
    // 12 s of steady typing, a keystroke every 500 ms.
    for (let elapsed = 500; elapsed <= 12_000; elapsed += 500) {
      advance(500);
      signal.onKeystroke();
    }
    assert.deepEqual(sent, [true, true, true, true], 'at 0, 4, 8 and 12 s');
    assert.ok(TYPING_RENEW_MS < 10_000, 'renewed well within the server TTL');
  });

  it('says not-typing after a pause, and typing again at the next keystroke', () => {
    const { signal, sent, advance } = signalUnderTest();
    signal.onKeystroke();
    advance(TYPING_IDLE_MS - 1);
    assert.deepEqual(sent, [true]);
    advance(1);
    assert.deepEqual(sent, [true, false]);
    signal.onKeystroke();
    assert.deepEqual(sent, [true, false, true]);
  });

  it('says not-typing once on stop, and nothing when not typing', () => {
    const { signal, sent, advance } = signalUnderTest();
    signal.stop();
    assert.deepEqual(sent, []);
    signal.onKeystroke();
    signal.stop();
    signal.stop();
    advance(TYPING_IDLE_MS * 2);
    assert.deepEqual(sent, [true, false]);
  });
});
