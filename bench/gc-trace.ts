/**
 * What the benched server's `--trace-gc` lines tell (bench/capacity.ts): the live heap after each
 * full collection, and every collection's pause. The format is V8's, as Node 20 prints it:
 * `[pid:isolate]  <ms since start> ms: Scavenge 109.2 (170.5) -> 88.8 (170.5) MB, 7.99 / 0.20 ms …`.
 */
import type { GcPauses, HeapSample } from './capacity-report.js';

/**
 * The main thread's `--trace-gc` lines in a stretch of the log: those of the isolate with the most
 * lines (the checkpoint worker's collects rarely).
 */
export function mainThreadGcLines(text: string): string[] {
  const linesOf = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const isolate = /^\[\d+:(0x[0-9a-f]+)\]/.exec(line)?.[1];
    if (isolate === undefined) continue;
    const lines = linesOf.get(isolate) ?? [];
    lines.push(line);
    linesOf.set(isolate, lines);
  }
  return [...linesOf.values()].sort((a, b) => b.length - a.length)[0] ?? [];
}

/** `a (b) -> c (d) MB, pause / … ms`: the heap before and after (committed in brackets), and the pause. */
const GC_LINE =
  /\s(\d+) ms: (Scavenge|Mark-Compact)(?: \((?:reduce|interleaved)\))? ([\d.]+) \(([\d.]+)\) -> ([\d.]+) \(([\d.]+)\) MB, ([\d.]+) \//;

/**
 * The main thread's heap after each full collection in a stretch of the log: the live data, which
 * a leak makes grow.
 */
export function heapAfterCollections(lines: readonly string[]): HeapSample[] {
  return lines.flatMap((line) => {
    const match = GC_LINE.exec(line);
    if (match?.[2] !== 'Mark-Compact') return [];
    return [{ minutes: Number(match[1]) / 60_000, heapMiB: Number(match[5]), committedMiB: Number(match[6]) }];
  });
}

/** The main thread's collections in a stretch of the log: their pauses, and what was promoted. */
export function gcPauses(lines: readonly string[]): GcPauses {
  const scavenges: number[] = [];
  const fulls: GcPauses['fulls'] = [];
  let promotedMiB = 0;
  let promotingMs = 0;
  let previous: { atMs: number; afterMiB: number } | undefined;
  let firstMs: number | undefined;
  let lastMs = 0;
  for (const line of lines) {
    const match = GC_LINE.exec(line);
    if (match === null) continue;
    const [, at, kind, , , after, , pause] = match;
    const atMs = Number(at);
    firstMs ??= atMs;
    lastMs = atMs;
    if (kind === 'Mark-Compact') {
      fulls.push({ pauseMs: Number(pause), biggestStepMs: Number(/biggest step ([\d.]+) ms/.exec(line)?.[1] ?? 0) });
      previous = undefined;
      continue;
    }
    scavenges.push(Number(pause));
    if (previous !== undefined) {
      promotedMiB += Math.max(0, Number(after) - previous.afterMiB);
      promotingMs += atMs - previous.atMs;
    }
    previous = { atMs, afterMiB: Number(after) };
  }
  return {
    scavenges,
    fulls,
    seconds: (lastMs - (firstMs ?? lastMs)) / 1000,
    promotedMiBPerSecond: promotingMs === 0 ? 0 : (promotedMiB * 1000) / promotingMs,
  };
}
