import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatWait } from '../../packages/web/src/workspace/format-wait.js';

describe('the wait beside a ring reads like a clock', () => {
  it('shows minutes and seconds, hours once there are any, and never a negative wait', () => {
    assert.equal(formatWait(0), '0:00');
    assert.equal(formatWait(42_999), '0:42');
    assert.equal(formatWait(12 * 60_000 + 5_000), '12:05');
    assert.equal(formatWait(3_723_000), '1:02:03');
    // The browser's clock behind the server's.
    assert.equal(formatWait(-4_000), '0:00');
  });
});
