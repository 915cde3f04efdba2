/**
 * What `npm run bench:capacity` writes: the tables (one row per level, then each level's figures
 * against the targets), the server's RSS over the run as a table, a CSV and a hand-drawn SVG, and
 * the block between the markers in BENCHMARKS.md.
 */
import type { Rate } from './bare-server.js';
import { runLine } from './bench-http.js';
import type { SteadyFigures } from './capacity-protocol.js';

export interface RssSample {
  /** Seconds from the start of the steady phase (negative before it). */
  seconds: number;
  /** The phase the sample belongs to; a sample taken as a phase ends belongs to that phase. */
  phase: 'setup' | 'warm-up' | 'steady' | 'after';
  rssMiB: number;
  /** The server's CPU time so far. */
  cpuMs: number;
}

/** The server's main heap after a full collection in the steady phase. */
export interface HeapSample {
  /** Since the server started. */
  minutes: number;
  heapMiB: number;
  /**
   * What V8 holds from the system for its heap after that collection, live data and free space
   * alike: the part of RSS the collector's sizing decides.
   */
  committedMiB: number;
}

/**
 * The main thread's garbage collections in the steady phase (`--trace-gc`): every request waits
 * while a pause lasts, and the requests that arrive meanwhile wait for the backlog to clear.
 */
export interface GcPauses {
  /** Each scavenge's pause (the young generation), ms. */
  scavenges: number[];
  /** Each full collection's final pause and its largest incremental marking step before it, ms. */
  fulls: { pauseMs: number; biggestStepMs: number }[];
  /**
   * What the scavenges moved to the old generation, MiB a second: the heap's growth from one
   * scavenge to the next, with no full collection between them (garbage that outlived its requests
   * there, collected only by the next full collection).
   */
  promotedMiBPerSecond: number;
}

/** A level's figures: the clients' steady-phase figures merged (latencies sorted), and the server's. */
export interface LevelResult extends Omit<SteadyFigures, 'cpuMs' | 'seconds' | 'loopDelay'> {
  chats: number;
  agents: number;
  /** os.loadavg() as the level began. */
  loadAverage: number[];
  /** Starting and seeding the server, logging the agents in, opening and accepting the chats. */
  setupSeconds: number;
  /**
   * The steady phase's length as the clients saw it (from their `measure` to their `end`: later
   * than the coordinator's when their event loops lag); their rates divide by it.
   */
  seconds: number;
  laterErrors: Record<string, number>;
  server: {
    /** Over the steady phase as the coordinator timed it. */
    cpuMs: number;
    seconds: number;
    cpuPerPoll: number;
    cpuPerLine: number;
    pollsOnly: { cpuMs: number; polls: number; seconds: number };
    /** With the polls stopped too: only the readers waiting. */
    idle: { cpuMs: number; seconds: number };
    /** Warnings and errors in the server's log, by message. */
    complaints: Record<string, number>;
  };
  rss: RssSample[];
  /** The heap after each full collection of the steady phase: what is live, without the garbage RSS holds. */
  heap: HeapSample[];
  gc: GcPauses;
  /** The server's worst event-loop delay in each second of the steady phase, ms. */
  serverLoopDelays: number[];
  clients: { client: number; cpuMs: number; loopDelay: { p50: number; p99: number; max: number } }[];
  coordinatorCpuMs: number;
  /** Share of the whole machine's CPU (every core) busy over the steady phase, whoever used it. */
  machineBusy: number;
  /** The machine's TCP counters over the steady phase: connections the listen queue had no room for. */
  tcp: { listenDrops: number; synRetransmits: number };
}

/** The issue's targets. */
const TARGET = { pollP99Ms: 50, deliveryP99Ms: 100, rssMiB: 1024, flatMiBPerMinute: 1 };

const ms = (value: number): string =>
  Number.isNaN(value) ? '—' : value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0);
const met = (ok: boolean): string => (ok ? 'met' : '**not met**');
const thousands = (n: number): string => n.toLocaleString('en-US');
/** The value at percentile `at` of ascending `sorted` (as bench-http's `percentile`, without a copy). */
const p = (sorted: Float64Array, at: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((at / 100) * sorted.length))] ?? Number.NaN;
const spread = (sorted: Float64Array, points = [50, 95, 99]): string =>
  [...points.map((at) => ms(p(sorted, at))), ms(sorted.at(-1) ?? NaN)].join(' / ');

/** Each second's worst delay, as a spread, and how many seconds it passed 100 ms. */
const serverLoop = (delays: number[]): string => {
  if (delays.length === 0) return 'not measured';
  const late = delays.filter((ms) => ms > 100).length;
  return `${spread(Float64Array.from(delays).sort(), [50, 99])} ms over ${delays.length} s; over 100 ms in ${late} s`;
};

/** Scavenges and full collections over `seconds`: how often, how long each stopped the server, and in all. */
const gcPauses = (gc: GcPauses, seconds: number): string => {
  if (gc.scavenges.length === 0 && gc.fulls.length === 0) return 'none logged';
  const pausedMs = [...gc.scavenges, ...gc.fulls.map((f) => f.pauseMs)].reduce((a, b) => a + b, 0);
  const perSecond = (n: number) => (n / Math.max(1, seconds)).toFixed(1);
  const fulls =
    gc.fulls.length === 0
      ? 'no full collection'
      : `${gc.fulls.length} full collections, final pause max ${ms(Math.max(...gc.fulls.map((f) => f.pauseMs)))} ms ` +
        `(largest incremental step ${ms(Math.max(...gc.fulls.map((f) => f.biggestStepMs)))} ms)`;
  return (
    `${gc.scavenges.length} scavenges (${perSecond(gc.scavenges.length)}/s), pause p50 / p99 / max ` +
    `${spread(Float64Array.from(gc.scavenges).sort(), [50, 99])} ms; ${fulls}; paused ${perSecond(pausedMs)} ms a ` +
    `second in all; ${gc.promotedMiBPerSecond.toFixed(1)} MiB/s promoted to the old generation`
  );
};

const allLines = (result: LevelResult): Float64Array =>
  Float64Array.from([...result.delivery.SSE, ...result.delivery['long-poll']]).sort();

const errorCount = (errors: Record<string, number>): number => Object.values(errors).reduce((a, b) => a + b, 0);
const errorList = (errors: Record<string, number>): string =>
  Object.keys(errors).length === 0
    ? 'none'
    : Object.entries(errors)
        .sort((a, b) => b[1] - a[1])
        .map(([kind, n]) => `${kind}: ${n}`)
        .join('; ');

/** The steady phase's samples, in time order (its first at 0 s, its last as it ended). */
const steadySamples = (result: LevelResult): RssSample[] => result.rss.filter((s) => s.phase === 'steady');

/** Least-squares slope of RSS over the steady phase, MiB per minute. */
export const rssSlope = (samples: RssSample[]): number =>
  slope(
    samples.map((s) => s.seconds / 60),
    samples.map((s) => s.rssMiB),
  );

/** Least-squares slope of ys over xs. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i += 1) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return num / den;
}

/** Least-squares slope of the live heap over the steady phase's full collections, MiB per minute. */
const heapSlope = (result: LevelResult): number =>
  slope(
    result.heap.map((h) => h.minutes),
    result.heap.map((h) => h.heapMiB),
  );

/**
 * The later half of a steady phase's RSS samples. Memory first climbs to where it settles (V8
 * sizes its heap to a multiple of the live data): whether it then stays there is told by the
 * second half.
 */
const laterHalf = (samples: RssSample[]): RssSample[] => {
  const middle = ((samples[0]?.seconds ?? 0) + (samples.at(-1)?.seconds ?? 0)) / 2;
  return samples.filter((sample) => sample.seconds >= middle);
};

function rssFigures(result: LevelResult) {
  const steady = steadySamples(result);
  return {
    start: steady[0]?.rssMiB ?? NaN,
    end: steady.at(-1)?.rssMiB ?? NaN,
    max: Math.max(...steady.map((s) => s.rssMiB)),
    slope: rssSlope(steady),
    laterSlope: rssSlope(laterHalf(steady)),
  };
}

const rate = (count: number, seconds: number): string => (count / seconds).toFixed(1);

/**
 * A share of the server's CPU, or — when the split does not hold: a server that spent no more with
 * the polls than idle (clients that could not send them) leaves nothing to divide.
 */
const cost = (value: number, digits: number): string => (value > 0 ? value.toFixed(digits) : '—');

function summaryRow(r: LevelResult): string {
  const lines = allLines(r);
  const rss = rssFigures(r);
  const worstLoop = Math.max(...r.clients.map((c) => c.loopDelay.p99));
  const errors = errorCount(r.errors) + r.linesLost;
  return (
    `| ${thousands(r.chats)} | ${r.agents} (${Math.ceil(r.agents / 2)} + ${Math.floor(r.agents / 2)}) ` +
    `| ${rate(r.visitorPolls.length, r.seconds)} of ${r.chats / 2} | ${rate(r.agentPolls.length, r.seconds)} of ${r.agents / 2} ` +
    `| ${rate(r.linesPosted, r.seconds)} of ${r.chats / 10} ` +
    `| ${ms(p(r.visitorPolls, 50))} / ${ms(p(r.visitorPolls, 99))} | ${ms(p(r.agentPolls, 50))} / ${ms(p(r.agentPolls, 99))} ` +
    `| ${ms(p(lines, 50))} / ${ms(p(lines, 99))} | ${errors} ` +
    `| ${rss.start.toFixed(0)} / ${rss.end.toFixed(0)} / ${rss.max.toFixed(0)} | ${rss.slope.toFixed(2)} ` +
    `| ${heapSlope(r).toFixed(2)} ` +
    `| ${((100 * r.server.cpuMs) / (r.server.seconds * 1000)).toFixed(0)} | ${cost(r.server.cpuPerPoll, 3)} / ${cost(r.server.cpuPerLine, 2)} ` +
    `| ${ms(worstLoop)} |`
  );
}

function levelTable(r: LevelResult): string {
  const lines = allLines(r);
  const rss = rssFigures(r);
  const errors = errorCount(r.errors) + r.linesLost;
  // Each process's CPU over its own view of the steady phase: the clients', or the coordinator's.
  const pct = (cpuMs: number) => `${((100 * cpuMs) / (r.seconds * 1000)).toFixed(0)}%`;
  const coordinatorPct = (cpuMs: number) => `${((100 * cpuMs) / (r.server.seconds * 1000)).toFixed(0)}%`;
  const visitorP99 = p(r.visitorPolls, 99);
  const agentP99 = p(r.agentPolls, 99);
  const rows: [string, string, string][] = [
    [
      'visitor polls (`GET events?from=<next>`)',
      `${thousands(r.visitorPolls.length)} answered, ${rate(r.visitorPolls.length, r.seconds)}/s of ${r.chats / 2} intended; ` +
        `p50 / p95 / p99 / max ${spread(r.visitorPolls)} ms`,
      `p99 < ${TARGET.pollP99Ms} ms: ${met(visitorP99 < TARGET.pollP99Ms)}`,
    ],
    [
      'agent polls (`GET incomingRequests`)',
      `${thousands(r.agentPolls.length)} answered, ${rate(r.agentPolls.length, r.seconds)}/s of ${r.agents / 2} intended; ` +
        `p50 / p95 / p99 / max ${spread(r.agentPolls)} ms`,
      `p99 < ${TARGET.pollP99Ms} ms: ${met(agentP99 < TARGET.pollP99Ms)}`,
    ],
    [
      'line delivery, all lines',
      `${thousands(lines.length)} lines; p50 / p95 / p99 / max ${spread(lines)} ms`,
      `p99 < ${TARGET.deliveryP99Ms} ms: ${met(p(lines, 99) < TARGET.deliveryP99Ms)}`,
    ],
    ...(['SSE', 'long-poll'] as const).map((mode): [string, string, string] => [
      `line delivery, ${mode} readers`,
      `${thousands(r.delivery[mode].length)} lines; p50 / p95 / p99 / max ${spread(r.delivery[mode])} ms`,
      '',
    ]),
    [
      'visitor line POSTs',
      `${thousands(r.linesPosted)} posted, ${rate(r.linesPosted, r.seconds)}/s of ${r.chats / 10} intended; answered in ` +
        `p50 / p95 / p99 / max ${spread(r.linePosts)} ms; ${r.linesLost} not delivered`,
      '',
    ],
    ['long-polls answered', `${thousands(r.longPollAnswers)} (${rate(r.longPollAnswers, r.seconds)}/s)`, ''],
    [
      'errors (non-2xx, network, timeout, stream closed, line lost)',
      `${errors}: ${errorList({ ...r.errors, ...(r.linesLost > 0 ? { 'line not delivered': r.linesLost } : {}) })}`,
      `none: ${met(errors === 0)}`,
    ],
    ['errors after the steady phase (grace for late lines, polls only, idle)', errorList(r.laterErrors), ''],
    [
      'server RSS start / end / max',
      `${rss.start.toFixed(0)} / ${rss.end.toFixed(0)} / ${rss.max.toFixed(0)} MiB`,
      `< ${TARGET.rssMiB} MiB: ${met(rss.max < TARGET.rssMiB)}`,
    ],
    [
      'server RSS slope over the steady phase',
      `${rss.slope.toFixed(2)} MiB/min (least squares over ${steadySamples(r).length} samples, 5 s apart)`,
      `flat (≤ ${TARGET.flatMiBPerMinute} MiB/min): ${met(Math.abs(rss.slope) <= TARGET.flatMiBPerMinute)}`,
    ],
    [
      "server RSS slope over the steady phase's second half",
      `${rss.laterSlope.toFixed(2)} MiB/min`,
      `flat: ${met(Math.abs(rss.laterSlope) <= TARGET.flatMiBPerMinute)}`,
    ],
    [
      'server heap after each full collection (live data), steady phase',
      r.heap.length === 0
        ? 'no full collection in the steady phase'
        : `first / last / max ${r.heap[0]!.heapMiB.toFixed(1)} / ${r.heap.at(-1)!.heapMiB.toFixed(1)} / ` +
          `${Math.max(...r.heap.map((h) => h.heapMiB)).toFixed(1)} MiB over ${r.heap.length} collections; ` +
          `slope ${heapSlope(r).toFixed(2)} MiB/min`,
      `flat (≤ ${TARGET.flatMiBPerMinute} MiB/min): ${met(r.heap.length >= 2 && Math.abs(heapSlope(r)) <= TARGET.flatMiBPerMinute)}`,
    ],
    [
      'server heap committed (held from the system) after each full collection, steady phase',
      r.heap.length === 0
        ? 'no full collection in the steady phase'
        : `first / last / max ${r.heap[0]!.committedMiB.toFixed(1)} / ${r.heap.at(-1)!.committedMiB.toFixed(1)} / ` +
          `${Math.max(...r.heap.map((h) => h.committedMiB)).toFixed(1)} MiB`,
      '',
    ],
    [
      'server CPU',
      `${coordinatorPct(r.server.cpuMs)} of one core over the steady phase; idle with every reader waiting ` +
        `${(r.server.idle.cpuMs / r.server.idle.seconds).toFixed(0)} ms/s; ${cost(r.server.cpuPerPoll, 3)} ms per poll ` +
        `(polls only: ${thousands(r.server.pollsOnly.polls)} polls in ${r.server.pollsOnly.seconds.toFixed(0)} s, ` +
        `${r.server.pollsOnly.cpuMs} ms, less idle); ${cost(r.server.cpuPerLine, 2)} ms per line (the rest of the ` +
        `steady phase's CPU: the POST, its delivery, the long-poll asked again)`,
      '',
    ],
    ['server warnings and errors logged', errorList(r.server.complaints), ''],
    ['server event-loop delay, the worst of each second: p50 / p99 / max', serverLoop(r.serverLoopDelays), ''],
    ['server garbage collection, main-thread pauses over the steady phase', gcPauses(r.gc, r.server.seconds), ''],
    [
      'client processes: CPU, event-loop delay p50 / p99 / max',
      r.clients
        .map(
          (c) =>
            `#${c.client}: ${pct(c.cpuMs)}, ${ms(c.loopDelay.p50)} / ${ms(c.loopDelay.p99)} / ${ms(c.loopDelay.max)} ms`,
        )
        .join('; ') + `; coordinator ${coordinatorPct(r.coordinatorCpuMs)}`,
      '',
    ],
    ['machine CPU busy (both cores, every process)', `${(100 * r.machineBusy).toFixed(0)}%`, ''],
    [
      'connections dropped at the listen queue, SYNs sent again (kernel, whole machine)',
      `${thousands(r.tcp.listenDrops)}, ${thousands(r.tcp.synRetransmits)}`,
      '',
    ],
  ];
  return [
    `**${thousands(r.chats)} chats**: load average at start ${r.loadAverage.map((l) => l.toFixed(2)).join(' / ')}; ` +
      `setup (server, ${r.agents} agents signed in, chats opened and accepted) ${r.setupSeconds.toFixed(0)} s; ` +
      `steady phase ${r.seconds.toFixed(0)} s.`,
    '',
    '| measure | figure | target |',
    '| --- | --- | --- |',
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}

/** Server RSS at points of the run, MiB: a column per level. */
function rssTable(results: LevelResult[], minutes: number): string {
  const step = Math.max(5, Math.round((minutes * 60) / 10 / 5) * 5);
  const points: { label: string; pick: (r: LevelResult) => RssSample | undefined }[] = [
    { label: 'server started', pick: (r) => r.rss[0] },
    { label: 'chats open (warm-up begins)', pick: (r) => r.rss.filter((s) => s.phase === 'setup').at(-1) },
  ];
  for (let t = 0; t <= minutes * 60 + 0.5; t += step) {
    const label = `steady ${Math.floor(t / 60)}:${String(Math.round(t % 60)).padStart(2, '0')}`;
    points.push({
      label,
      pick: (r) =>
        steadySamples(r).reduce<RssSample | undefined>(
          (best, s) => (best === undefined || Math.abs(s.seconds - t) < Math.abs(best.seconds - t) ? s : best),
          undefined,
        ),
    });
  }
  points.push({ label: 'steady end', pick: (r) => steadySamples(r).at(-1) });
  return [
    `| server RSS, MiB | ${results.map((r) => `${thousands(r.chats)} chats`).join(' | ')} |`,
    `| --- | ${results.map(() => '---:').join(' | ')} |`,
    ...points.map(
      (point) => `| ${point.label} | ${results.map((r) => point.pick(r)?.rssMiB.toFixed(0) ?? '—').join(' | ')} |`,
    ),
    `| slope over the steady phase, MiB/min | ${results.map((r) => rssFigures(r).slope.toFixed(2)).join(' | ')} |`,
  ].join('\n');
}

/** Bare node:http on this machine as the run began and ended (bare-server.ts): its speed that day. */
export interface MachineReference {
  before: Rate;
  after?: Rate;
}

const rateText = ({ perSecond, cpuUs }: Rate): string =>
  `${thousands(Math.round(perSecond))} req/s at ${cpuUs.toFixed(0)} µs of CPU a request`;

const referenceText = ({ before, after }: MachineReference): string =>
  `bare node:http on the same machine (50 connections, 5 s) ${rateText(before)} before the run` +
  (after === undefined ? '' : `, ${rateText(after)} after it`);

export function renderCapacity(
  results: LevelResult[],
  options: { minutes: number; clients: number; svg: string | undefined; reference: MachineReference },
): string {
  return [
    runLine(
      `sqlite, ${options.minutes}-minute steady phase, ${options.clients} client processes, ` +
        `load average at start ${results[0]?.loadAverage.map((l) => l.toFixed(2)).join(' / ') ?? '—'}; ` +
        referenceText(options.reference),
    ),
    '',
    '| chats | agents (SSE + long-poll) | visitor polls/s (of intended) | agent polls/s (of intended) | lines/s (of intended) | visitor poll p50 / p99 ms | agent poll p50 / p99 ms | delivery p50 / p99 ms | errors | server RSS start / end / max MiB | RSS slope MiB/min | live heap slope MiB/min | server CPU % of a core | server CPU ms per poll / per line | client event-loop p99 ms (worst) |',
    '| ---: | --- | --- | --- | --- | --- | --- | --- | ---: | --- | ---: | ---: | ---: | --- | ---: |',
    ...results.map(summaryRow),
    '',
    ...results.flatMap((r) => [levelTable(r), '']),
    rssTable(results, options.minutes),
    ...(options.svg === undefined
      ? []
      : [
          '',
          `The server's RSS every 5 s over each whole run, the steady phase shaded: [${options.svg}](${options.svg}) ` +
            `(the samples: [${options.svg.replace(/\.svg$/, '.csv')}](${options.svg.replace(/\.svg$/, '.csv')})).`,
        ]),
  ].join('\n');
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e'];

/** A step for about `count` ticks over `span`: 1, 2 or 5 times a power of ten. */
function tickStep(span: number, count: number): number {
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((step) => step >= raw) ?? raw;
}

/** The server's RSS over each level's run as an SVG line chart, minutes from the steady phase's start. */
export function rssSvg(results: LevelResult[], minutes: number): string {
  const width = 760;
  const height = 380;
  const margin = { left: 64, right: 24, top: 36, bottom: 48 };
  const samples = results.flatMap((r) => r.rss);
  const minX = Math.min(0, ...samples.map((s) => s.seconds / 60));
  const maxX = Math.max(minutes, ...samples.map((s) => s.seconds / 60));
  const yStep = tickStep(Math.max(...samples.map((s) => s.rssMiB)), 6);
  const maxY = Math.ceil(Math.max(...samples.map((s) => s.rssMiB)) / yStep) * yStep;
  const x = (m: number) => margin.left + ((m - minX) / (maxX - minX)) * (width - margin.left - margin.right);
  const y = (mib: number) => height - margin.bottom - (mib / maxY) * (height - margin.top - margin.bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">Parley server RSS (MiB) by concurrent chats, npm run bench:capacity</text>`,
    `<rect x="${x(0).toFixed(1)}" y="${margin.top}" width="${(x(minutes) - x(0)).toFixed(1)}" height="${height - margin.top - margin.bottom}" fill="#f0f0f0"/>`,
    `<text x="${((x(0) + x(minutes)) / 2).toFixed(1)}" y="${margin.top + 14}" text-anchor="middle" fill="#666">steady phase</text>`,
  ];
  for (let v = 0; v <= maxY; v += yStep) {
    parts.push(
      `<line x1="${margin.left}" x2="${width - margin.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#ddd"/>`,
      `<text x="${margin.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v}</text>`,
    );
  }
  const xStep = tickStep(maxX - minX, 10);
  for (let m = Math.ceil(minX / xStep) * xStep; m <= maxX + 1e-9; m += xStep) {
    parts.push(
      `<line x1="${x(m).toFixed(1)}" x2="${x(m).toFixed(1)}" y1="${height - margin.bottom}" y2="${height - margin.bottom + 5}" stroke="#333"/>`,
      `<text x="${x(m).toFixed(1)}" y="${height - margin.bottom + 18}" text-anchor="middle">${Number(m.toFixed(2))}</text>`,
    );
  }
  parts.push(
    `<line x1="${margin.left}" x2="${width - margin.right}" y1="${height - margin.bottom}" y2="${height - margin.bottom}" stroke="#333"/>`,
    `<line x1="${margin.left}" x2="${margin.left}" y1="${margin.top}" y2="${height - margin.bottom}" stroke="#333"/>`,
    `<text x="${width / 2}" y="${height - 10}" text-anchor="middle">minutes from the start of the steady phase (before it: seeding, logins, opening the chats, warm-up)</text>`,
  );
  results.forEach((r, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    const points = r.rss
      .filter((s) => !Number.isNaN(s.rssMiB))
      .map((s) => `${x(s.seconds / 60).toFixed(1)},${y(s.rssMiB).toFixed(1)}`)
      .join(' ');
    parts.push(
      `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${points}"/>`,
      `<rect x="${margin.left + 12}" y="${margin.top + 8 + i * 18}" width="14" height="3" fill="${colour}"/>`,
      `<text x="${margin.left + 32}" y="${margin.top + 13 + i * 18}">${thousands(r.chats)} chats</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** Every RSS sample: level, seconds from the steady phase's start, phase, RSS MiB, server CPU ms so far. */
export function rssCsv(results: LevelResult[]): string {
  return [
    'chats,seconds,phase,rss_mib,server_cpu_ms',
    ...results.flatMap((r) =>
      r.rss.map((s) => `${r.chats},${s.seconds.toFixed(1)},${s.phase},${s.rssMiB.toFixed(1)},${s.cpuMs}`),
    ),
  ].join('\n');
}
