import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gcPauses, heapAfterCollections, mainThreadCollections } from '../../bench/gc-trace.js';

// Lines as `node --trace-gc` (Node 20) wrote them into a benched server's log, one of them from the
// checkpoint worker's isolate, between request log lines.
const LOG = [
  '{"level":30,"msg":"request completed"}',
  '[6451:0x159d4150]    86496 ms: Scavenge 109.2 (170.5) -> 88.8 (170.5) MB, 7.99 / 0.20 ms  (average mu = 0.997, current mu = 0.996) task; ',
  '[6451:0x159d4150]    87155 ms: Scavenge 112.0 (170.8) -> 91.7 (170.8) MB, 8.67 / 0.08 ms  (average mu = 0.997, current mu = 0.996) task; ',
  '[6451:0x2a0e9c20]    87200 ms: Scavenge 3.1 (4.0) -> 2.2 (5.0) MB, 0.51 / 0.00 ms  (average mu = 1.000, current mu = 1.000) allocation failure; ',
  '[6451:0x159d4150]    88253 ms: Scavenge 115.0 (170.8) -> 94.2 (170.8) MB, 10.13 / 0.32 ms  (average mu = 0.997, current mu = 0.996) task; ',
  '[6451:0x159d4150]    97494 ms: Mark-Compact 125.9 (190.0) -> 52.6 (190.0) MB, 13.47 / 0.02 ms  (+ 46.9 ms in 84 steps since start of marking, biggest step 8.6 ms, walltime since start of marking 79 ms) (average mu = 0.997, current mu = 0.997) finalize incremental marking via task; GC in old space requested',
  '{"level":30,"msg":"request completed"}',
  '[6451:0x159d4150]    98898 ms: Scavenge 79.0 (190.0) -> 56.0 (190.0) MB, 13.52 / 0.06 ms  (average mu = 0.997, current mu = 0.997) task; ',
  '[6451:0x159d4150]   100515 ms: Scavenge 79.1 (190.0) -> 58.8 (190.0) MB, 9.55 / 0.69 ms  (average mu = 0.997, current mu = 0.997) task; ',
  '[6451:0x159d4150]   120540 ms: Mark-Compact (reduce) 146.9 (214.5) -> 99.5 (197.4) MB, 163.71 / 0.05 ms  (+ 105.0 ms in 65 steps since start of marking, biggest step 17.5 ms, walltime since start of marking 404 ms) (average mu = 0.993, current mu = 0.993) finalize incremental marking via task; GC in old space requested',
].join('\n');

describe("the capacity bench's reading of --trace-gc", () => {
  const collections = mainThreadCollections(LOG);

  it("keeps the main thread's collections only, in order", () => {
    assert.equal(collections.length, 7);
    // The worker's scavenge at 87,200 ms is not among them.
    assert.deepEqual(
      collections.map((c) => c.atMs),
      [86496, 87155, 88253, 97494, 98898, 100515, 120540],
    );
  });

  it('gives the heap after each full collection, the live data', () => {
    assert.deepEqual(heapAfterCollections(collections), [
      { minutes: 97494 / 60_000, heapMiB: 52.6, committedMiB: 190 },
      { minutes: 120540 / 60_000, heapMiB: 99.5, committedMiB: 197.4 },
    ]);
  });

  it('gives every pause, and what the scavenges promoted between full collections', () => {
    const gc = gcPauses(collections);
    assert.deepEqual(gc.scavenges, [7.99, 8.67, 10.13, 13.52, 9.55]);
    assert.deepEqual(gc.fulls, [
      { pauseMs: 13.47, biggestStepMs: 8.6 },
      { pauseMs: 163.71, biggestStepMs: 17.5 },
    ]);
    // 88.8 → 91.7 → 94.2 over 1,757 ms, then 56.0 → 58.8 over 1,617 ms; nothing across the full
    // collection, which frees what was promoted.
    const promoted = (91.7 - 88.8 + (94.2 - 91.7) + (58.8 - 56.0)) / ((88253 - 86496 + (100515 - 98898)) / 1000);
    assert.ok(Math.abs(gc.promotedMiBPerSecond - promoted) < 1e-9, String(gc.promotedMiBPerSecond));
  });

  it('counts nothing in a stretch without collections', () => {
    assert.deepEqual(gcPauses(mainThreadCollections('{"level":30}\n')), {
      scavenges: [],
      fulls: [],
      promotedMiBPerSecond: 0,
    });
  });
});
