/**
 * What the benched server's `--trace-gc` lines tell (bench/capacity.ts): the live heap after each
 * full collection, and every collection's pause. The format is V8's, as Node 20 prints it:
 * `[pid:isolate]  <ms since start> ms: Scavenge 109.2 (170.5) -> 88.8 (170.5) MB, 7.99 / 0.20 ms …`.
 */
import type { GcPauses, HeapSample } from './capacity-report.js';

/** One collection of the main thread. */
export interface Collection {
  kind: 'Scavenge' | 'Mark-Compact';
  /** Since the process started. */
  atMs: number;
  /** The heap after it, and what V8 holds from the system for the heap then. */
  afterMiB: number;
  committedMiB: number;
  pauseMs: number;
  /** Full collections: the largest incremental marking step before the final pause. */
  biggestStepMs: number;
}

/** `[pid:isolate] <ms> ms: <kind> a (b) -> c (d) MB, pause / …`: the heap after (committed), the pause. */
const GC_LINE =
  /^\[\d+:(0x[0-9a-f]+)\]\s+(\d+) ms: (Scavenge|Mark-Compact)(?: \((?:reduce|interleaved)\))? [\d.]+ \([\d.]+\) -> ([\d.]+) \(([\d.]+)\) MB, ([\d.]+) \//;

/**
 * The main thread's collections in a stretch of the log: those of the isolate with the most of them
 * (the checkpoint worker's collects rarely).
 */
export function mainThreadCollections(text: string): Collection[] {
  const byIsolate = new Map<string, Collection[]>();
  for (const line of text.split('\n')) {
    const match = GC_LINE.exec(line);
    if (match === null) continue;
    const [, isolate = '', at, kind, after, committed, pause] = match;
    const collections = byIsolate.get(isolate) ?? [];
    collections.push({
      kind: kind as Collection['kind'],
      atMs: Number(at),
      afterMiB: Number(after),
      committedMiB: Number(committed),
      pauseMs: Number(pause),
      biggestStepMs: Number(/biggest step ([\d.]+) ms/.exec(line)?.[1] ?? 0),
    });
    byIsolate.set(isolate, collections);
  }
  return [...byIsolate.values()].sort((a, b) => b.length - a.length)[0] ?? [];
}

/** The heap after each full collection: the live data, which a leak makes grow. */
export function heapAfterCollections(collections: readonly Collection[]): HeapSample[] {
  return collections
    .filter((c) => c.kind === 'Mark-Compact')
    .map((c) => ({ minutes: c.atMs / 60_000, heapMiB: c.afterMiB, committedMiB: c.committedMiB }));
}

/** The collections' pauses, and what the scavenges promoted between full collections. */
export function gcPauses(collections: readonly Collection[]): GcPauses {
  let promotedMiB = 0;
  let promotingMs = 0;
  let previous: Collection | undefined;
  for (const collection of collections) {
    if (collection.kind === 'Mark-Compact') {
      // It frees what was promoted: growth across it is not promotion.
      previous = undefined;
      continue;
    }
    if (previous !== undefined) {
      promotedMiB += Math.max(0, collection.afterMiB - previous.afterMiB);
      promotingMs += collection.atMs - previous.atMs;
    }
    previous = collection;
  }
  return {
    scavenges: collections.filter((c) => c.kind === 'Scavenge').map((c) => c.pauseMs),
    fulls: collections
      .filter((c) => c.kind === 'Mark-Compact')
      .map(({ pauseMs, biggestStepMs }) => ({ pauseMs, biggestStepMs })),
    promotedMiBPerSecond: promotingMs === 0 ? 0 : (promotedMiB * 1000) / promotingMs,
  };
}
