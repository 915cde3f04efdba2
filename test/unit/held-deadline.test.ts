import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { heldDeadline } from '../../src/http/realtime/held-request.js';

describe("a held request's deadline", () => {
  it('is the whole wait for a short wait, whatever the draw', () => {
    const before = Date.now();
    const deadline = heldDeadline(5, () => 0.99);
    assert.ok(deadline >= before + 5_000 && deadline <= Date.now() + 5_000);
  });

  it('falls in the last tenth of a long wait, as drawn', () => {
    const before = Date.now();
    const earliest = heldDeadline(25, () => 1);
    const latest = heldDeadline(25, () => 0);
    const after = Date.now();
    assert.ok(earliest >= before + 22_500 && earliest <= after + 22_500, `${earliest - before} ms`);
    assert.ok(latest >= before + 25_000 && latest <= after + 25_000, `${latest - before} ms`);
  });

  it('spreads long-polls that began together over that tenth', () => {
    const start = Date.now();
    const offsets = Array.from({ length: 200 }, () => heldDeadline(60) - start);
    assert.ok(Math.min(...offsets) >= 54_000);
    assert.ok(Math.max(...offsets) <= 60_000 + (Date.now() - start));
    // 200 uniform draws over 6 s: hardly all within one second of each other.
    assert.ok(Math.max(...offsets) - Math.min(...offsets) > 1_000);
  });
});
