import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatWait, shownRinging } from '../../packages/web/src/workspace/format-wait.js';

describe('the wait beside a ring reads like a clock', () => {
  it('shows minutes and seconds, hours once there are any, and never a negative wait', () => {
    assert.equal(formatWait(0), '0:00');
    assert.equal(formatWait(42_999), '0:42');
    assert.equal(formatWait(12 * 60_000 + 5_000), '12:05');
    assert.equal(formatWait(3_723_000), '1:02:03');
    // The browser's clock behind the server's.
    assert.equal(formatWait(-4_000), '0:00');
  });

  it('counts a ring’s wait on from what the server said, by the browser’s own clock', () => {
    // The server's clock is an hour ahead of the browser's; the chat had waited 42 s when it rang.
    const serverTime = 1_700_003_600_000;
    const ring = { skill: 'Sales', visitorName: 'Phil', waitingSince: serverTime - 42_000, waitedMs: 42_000 };
    const receivedAt = 1_700_000_000_000;
    const [shown] = shownRinging([ring], receivedAt);
    assert.deepEqual(shown, { skill: 'Sales', visitorName: 'Phil', since: receivedAt - 42_000 });
    assert.equal(formatWait(receivedAt + 3_000 - shown!.since), '0:45');
  });
});
