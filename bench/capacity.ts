/**
 * `npm run bench:capacity`: how many concurrent chats one Parley node carries, loaded as LivePerson's
 * clients load it. At each level (BENCH_LEVELS, default 1,000, 3,000 and 10,000 chats) a fresh
 * server (the built one, SQLite) gets one agent per ten chats, every chat accepted. Then, for a
 * warm-up and a steady phase of BENCH_MINUTES (default 5): every visitor polls its chat's events
 * 2 s after each answer and posts a line every 10 s (one line a second per ten chats); every agent
 * polls its ringing count every 2 s and reads its ten chats on long-polls (half the agents) or
 * Server-Sent Events streams (the other half), timing each line from its POST to its arrival.
 * BENCH_CLIENTS processes (default 2, bench/capacity-client.ts) share the chats between them.
 *
 * Measured over the steady phase: poll and delivery latencies, failures by kind, the server's RSS
 * every 5 s and its CPU, each client's CPU and event-loop delay, and the whole machine's CPU. After
 * it, lines stop and the polls go on alone for 15 s, then only the readers wait for 10 s: the
 * server's CPU per poll is the first window less the second, and what the steady phase spent beyond
 * idle and its polls is its cost per line. Prints tables; with --record writes them into
 * BENCHMARKS.md and the RSS curve to bench/results/capacity-rss.{svg,csv}.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { cpuMsOf, pool } from './agent-readers.js';
import { measureBare } from './bare-server.js';
import { call, sleep } from './bench-http.js';
import type { AgentSlice, Cadence, FromClient, SteadyFigures, ToClient } from './capacity-protocol.js';
import {
  type MachineReference,
  renderCapacity,
  rssCsv,
  rssSvg,
  type LevelResult,
  type RssSample,
} from './capacity-report.js';
import { gcPauses, heapAfterCollections, mainThreadCollections } from './gc-trace.js';
import { startParley } from './parley-server.js';
import { recordLatest } from './record.js';

const LEVELS = (process.env.BENCH_LEVELS ?? '1000,3000,10000').split(',').map(Number);
const MINUTES = Number(process.env.BENCH_MINUTES ?? 5);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 2);
const WARM_UP_MS = Number(process.env.BENCH_WARMUP_SECONDS ?? 30) * 1000;
/** Extra Node flags for the server (`--cpu-prof`, say). */
const SERVER_NODE_ARGS = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');
const PROBE = new URL('./server-probe.mjs', import.meta.url).href;
const CHATS_PER_AGENT = 10;
/** After the steady phase: how long lines posted in it may still arrive, then the polls-only window. */
const LINE_GRACE_MS = 5_000;
const POLLS_ONLY_MS = 15_000;
/** Then with the polls stopped too: the server's CPU with only the readers waiting. */
const QUIET_SETTLE_MS = 2_000;
const IDLE_MS = 10_000;
const RSS_EVERY_MS = 5_000;
const ACCOUNT = '77000004';
const root = new URL('..', import.meta.url).pathname;
const CLIENT_MODULE = new URL('./capacity-client.ts', import.meta.url).pathname;

const cadence = (chats: number): Cadence => ({
  pollEveryMs: 2_000,
  lineEveryMs: 10_000,
  // The readers' first requests (each reads its chat from event 0), 2,000 a second at most.
  openOverMs: Math.max(1_000, chats / 2),
  requestTimeoutMs: 10_000,
});

interface Agent {
  bearer: string;
  session: string;
}

/** Logs an agent in and starts its agent session; a login the hashing bound refuses is tried again. */
async function signIn(base: string, i: number): Promise<Agent> {
  for (;;) {
    const login = await call(base, 'POST', `/api/account/${ACCOUNT}/login`, {
      body: { username: `agent${i}`, password: 'bench-pass' },
    });
    if (login.status === 503 || login.status === 429) {
      await sleep(100);
      continue;
    }
    if (login.status !== 200) throw new Error(`login of agent${i}: HTTP ${login.status}`);
    const { bearer } = login.json<{ bearer: string }>();
    const created = await call(base, 'POST', `/api/account/${ACCOUNT}/agentSession.json`, { bearer, body: {} });
    if (created.status !== 201) throw new Error(`agent session of agent${i}: HTTP ${created.status}`);
    const body = created.json<{ agentSessionLocation: { link: { '@href': string } } }>();
    return { bearer, session: new URL(body.agentSessionLocation.link['@href']).pathname };
  }
}

/**
 * Opens the chats in batches of 500 and has the agents accept each batch before the next: with
 * maxChats 10 the router rings only agents with a free slot, so every agent ends with ten chats.
 */
async function openChats(base: string, appKey: string, agents: Agent[]): Promise<AgentSlice[]> {
  const slices: AgentSlice[] = agents.map((agent, i) => ({
    ...agent,
    mode: i % 2 === 0 ? 'SSE' : 'long-poll',
    chats: [],
  }));
  const total = agents.length * CHATS_PER_AGENT;
  let opened = 0;
  let accepted = 0;
  while (opened < total) {
    const batch = Math.min(500, total - opened);
    await pool(
      Array.from({ length: batch }, (_, i) => i),
      50,
      async () => {
        const response = await call(base, 'POST', `/api/account/${ACCOUNT}/chat/request.json?appKey=${appKey}`, {
          body: { request: { skill: 'Sales', interactionTimeout: 86_400 } },
        });
        if (response.status !== 201) throw new Error(`start chat: HTTP ${response.status}`);
      },
    );
    opened += batch;
    while (accepted < opened) {
      const before = accepted;
      await pool(
        slices.filter((slice) => slice.chats.length < CHATS_PER_AGENT),
        50,
        async (slice) => {
          const response = await call(base, 'POST', `${slice.session}/incomingRequests.json`, {
            bearer: slice.bearer,
            body: {},
          });
          if (response.status !== 201) return;
          const href = response.json<{ chatLocation: { link: { '@href': string } } }>().chatLocation.link['@href'];
          const agentPath = new URL(href).pathname;
          const chatId = agentPath.split('/').pop() ?? '';
          slice.chats.push({ visitorPath: `/api/account/${ACCOUNT}/chat/${chatId}`, agentPath });
          accepted += 1;
        },
      );
      if (accepted === before) await sleep(50);
    }
  }
  return slices;
}

/** The server's resident set from /proc/<pid>/status, in MiB. */
function rssMiB(pid: number | undefined): number {
  try {
    const kB = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kB === undefined ? NaN : Number(kB) / 1024;
  } catch {
    return NaN;
  }
}

/** The machine's CPU time, busy and all, in clock ticks (/proc/stat, every core together). */
function machineTicks(): { busy: number; all: number } {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const all = fields.reduce((sum, value) => sum + value, 0);
  // idle and iowait are not busy.
  return { busy: all - (fields[3] ?? 0) - (fields[4] ?? 0), all };
}

/**
 * The machine's TCP counters (/proc/net/netstat) that show connections refused a place: ListenDrops
 * (SYNs or handshakes dropped, the listen queue full) and TCPSynRetrans (SYNs sent again, waiting
 * 1, 3, 7 s…). Machine-wide: on the bench's machine the server is the only listener under load.
 */
function tcpDrops(): { listenDrops: number; synRetransmits: number } {
  const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
  const header = lines.findIndex((line) => line.startsWith('TcpExt:'));
  const names = (lines[header] ?? '').split(/\s+/);
  const values = (lines[header + 1] ?? '').split(/\s+/).map(Number);
  const value = (name: string) => values[names.indexOf(name)] ?? Number.NaN;
  return { listenDrops: value('ListenDrops'), synRetransmits: value('TCPSynRetrans') };
}

/** Samples the server's RSS and CPU every 5 s, times relative to a mark (the steady phase's start). */
function rssSampler(pid: number | undefined) {
  const samples: RssSample[] = [];
  let zero = performance.now();
  let phase: RssSample['phase'] = 'setup';
  const take = () =>
    samples.push({ seconds: (performance.now() - zero) / 1000, phase, rssMiB: rssMiB(pid), cpuMs: cpuMsOf(pid) });
  take();
  let timer = setInterval(take, RSS_EVERY_MS);
  return {
    samples,
    /**
     * Ends the current phase with a sample and starts `next`. With `restart` (the steady phase),
     * times count from now and the samples fall every 5 s from now, the first at once.
     */
    phase(next: RssSample['phase'], restart = false) {
      take();
      phase = next;
      if (restart) {
        const now = performance.now();
        for (const sample of samples) sample.seconds -= (now - zero) / 1000;
        zero = now;
        clearInterval(timer);
        timer = setInterval(take, RSS_EVERY_MS);
        take();
      }
    },
    stop: () => clearInterval(timer),
  };
}

/** The server's own warnings and errors, by message (its log at `info`: one line per change). */
async function serverComplaints(log: string): Promise<Record<string, number>> {
  const found: Record<string, number> = {};
  for await (const line of createInterface({ input: createReadStream(log, 'utf8'), crlfDelay: Infinity })) {
    const level = Number(/"level":(\d+)/.exec(line)?.[1] ?? 0);
    if (level < 40) continue;
    const status = /"statusCode":(\d+)/.exec(line)?.[1];
    const message = `${level >= 50 ? 'error' : 'warn'}: ${/"msg":"([^"]{0,80})/.exec(line)?.[1] ?? line.slice(0, 80)}${status === undefined ? '' : ` (${status})`}`;
    found[message] = (found[message] ?? 0) + 1;
  }
  return found;
}

/** What the server logged between two offsets of its log (the steady phase). */
const logBetween = (log: string, from: number, to: number): string =>
  readFileSync(log).subarray(from, to).toString('utf8');

/** The server's worst event-loop delay of each second (bench/server-probe.mjs) in a stretch of the log, ms. */
function loopDelays(text: string): number[] {
  return [...text.matchAll(/^\[bench-probe\] loop delay max ([\d.]+) ms$/gm)].map(([, ms]) => Number(ms));
}

/** Forks the client processes and hands each its share of the agents (agent i to client i mod n). */
function startClients(base: string, appKey: string, slices: AgentSlice[], chats: number) {
  const clients: ChildProcess[] = [];
  const reports: Promise<Extract<FromClient, { type: 'report' }>>[] = [];
  const started: Promise<void>[] = [];
  for (let c = 0; c < CLIENTS; c += 1) {
    const child = fork(CLIENT_MODULE, [], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    clients.push(child);
    started.push(
      new Promise((resolve, reject) => {
        child.on('message', (message: FromClient) => {
          if (message.type === 'started') resolve();
          if (message.type === 'warm-up' && Object.keys(message.errors).length > 0)
            process.stderr.write(`client ${c}, warm-up failures: ${JSON.stringify(message.errors)}\n`);
        });
        child.once('exit', (code) => reject(new Error(`client ${c} exited with ${code}`)));
      }),
    );
    reports.push(
      new Promise((resolve, reject) => {
        child.on('message', (message: FromClient) => {
          if (message.type === 'report') resolve(message);
        });
        child.once('exit', (code) => reject(new Error(`client ${c} exited with ${code} before its report`)));
      }),
    );
    const message: ToClient = {
      type: 'start',
      base,
      appKey,
      client: c,
      agents: slices.filter((_, i) => i % CLIENTS === c),
      cadence: cadence(chats),
    };
    child.send(message);
  }
  const tell = (message: ToClient) => {
    for (const child of clients) child.send(message);
  };
  // A report that fails is caught where it is awaited; until then it must not end the process.
  for (const report of reports) report.catch(() => undefined);
  return { started: Promise.all(started), reports: Promise.all(reports), tell, clients };
}

/** Sorted concatenation of several clients' sorted latencies. */
const merged = (arrays: Float64Array[]): Float64Array => {
  const all = new Float64Array(arrays.reduce((sum, a) => sum + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    all.set(a, at);
    at += a.length;
  }
  return all.sort();
};

const addCounts = (into: Record<string, number>, from: Record<string, number>) => {
  for (const [kind, n] of Object.entries(from)) into[kind] = (into[kind] ?? 0) + n;
  return into;
};

async function runLevel(chats: number): Promise<LevelResult> {
  const agentCount = Math.ceil(chats / CHATS_PER_AGENT);
  const load = loadavg();
  const setupStarted = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'parley-capacity-'));
  const { child, base, appKey } = await startParley({
    dir,
    accountId: ACCOUNT,
    agents: agentCount,
    maxChats: CHATS_PER_AGENT,
    cheapPasswords: true,
    startTimeoutMs: 120_000,
    // Every collection in the log: the heap after each full one is what is live, where RSS also
    // holds garbage not yet collected (heapAfterCollections), and the pauses stop every request
    // (gcPauses); and each second's worst event-loop delay (loopDelays).
    nodeArgs: ['--trace-gc', '--import', PROBE, ...SERVER_NODE_ARGS],
  });
  const log = join(dir, 'parley.log');
  const sampler = rssSampler(child.pid);
  let clients: ReturnType<typeof startClients> | undefined;
  try {
    const agents: Agent[] = new Array<Agent>(agentCount);
    await pool(
      Array.from({ length: agentCount }, (_, i) => i),
      8,
      async (i) => {
        agents[i] = await signIn(base, i);
      },
    );
    const slices = await openChats(base, appKey, agents);
    const setupSeconds = (performance.now() - setupStarted) / 1000;
    process.stderr.write(
      `${chats} chats: ${agentCount} agents signed in, every chat accepted (${setupSeconds.toFixed(0)} s)\n`,
    );

    sampler.phase('warm-up');
    clients = startClients(base, appKey, slices, chats);
    await clients.started;
    await sleep(cadence(chats).openOverMs + WARM_UP_MS);

    const machineAt = machineTicks();
    const tcpAt = tcpDrops();
    const serverCpuAt = cpuMsOf(child.pid);
    const ownCpuAt = process.cpuUsage();
    clients.tell({ type: 'measure' });
    const steadyFrom = performance.now();
    sampler.phase('steady', true);
    const steadyLogFrom = statSync(log).size;
    await sleep(MINUTES * 60_000);
    clients.tell({ type: 'end' });
    const steadyLogTo = statSync(log).size;
    const serverCpu = cpuMsOf(child.pid) - serverCpuAt;
    const serverSeconds = (performance.now() - steadyFrom) / 1000;
    const machineEnd = machineTicks();
    const tcpEnd = tcpDrops();
    const ownCpu = process.cpuUsage(ownCpuAt);
    sampler.phase('after');

    await sleep(LINE_GRACE_MS);
    const pollsOnlyCpuAt = cpuMsOf(child.pid);
    clients.tell({ type: 'polls-only' });
    await sleep(POLLS_ONLY_MS);
    clients.tell({ type: 'quiet' });
    const pollsOnlyCpu = cpuMsOf(child.pid) - pollsOnlyCpuAt;
    // The last polls' answers first; then only the readers wait.
    await sleep(QUIET_SETTLE_MS);
    const idleCpuAt = cpuMsOf(child.pid);
    await sleep(IDLE_MS);
    const idleCpu = cpuMsOf(child.pid) - idleCpuAt;
    clients.tell({ type: 'finish' });
    const reports = await clients.reports;
    sampler.stop();

    const steady = reports.map((report) => report.steady);
    const sum = (pick: (figures: SteadyFigures) => number) => steady.reduce((total, f) => total + pick(f), 0);
    const pollsOnlyPolls = reports.reduce((n, r) => n + r.pollsOnly.visitorPolls + r.pollsOnly.agentPolls, 0);
    const seconds = Math.max(...steady.map((f) => f.seconds));
    const visitorPolls = merged(steady.map((f) => f.visitorPolls));
    const agentPolls = merged(steady.map((f) => f.agentPolls));
    // What the server spends with every reader waiting and nothing asked (timers, keep-alives,
    // long-polls that time out), per ms; the polls-only window above it is the polls' cost.
    const idlePerMs = idleCpu / IDLE_MS;
    // No poll answered in the window (clients too late): neither cost can be told apart (NaN: "—").
    const cpuPerPoll =
      pollsOnlyPolls === 0 ? Number.NaN : Math.max(0, pollsOnlyCpu - idlePerMs * POLLS_ONLY_MS) / pollsOnlyPolls;
    const linesPosted = sum((f) => f.linesPosted);
    const steadyLog = logBetween(log, steadyLogFrom, steadyLogTo);
    const collections = mainThreadCollections(steadyLog);
    return {
      chats,
      agents: agentCount,
      loadAverage: load,
      setupSeconds,
      seconds,
      visitorPolls,
      agentPolls,
      delivery: {
        SSE: merged(steady.map((f) => f.delivery.SSE)),
        'long-poll': merged(steady.map((f) => f.delivery['long-poll'])),
      },
      linePosts: merged(steady.map((f) => f.linePosts)),
      linesPosted,
      linesLost: sum((f) => f.linesLost),
      longPollAnswers: sum((f) => f.longPollAnswers),
      errors: steady.reduce((all, f) => addCounts(all, f.errors), {} as Record<string, number>),
      laterErrors: reports.reduce((all, r) => addCounts(all, r.laterErrors), {} as Record<string, number>),
      server: {
        cpuMs: serverCpu,
        seconds: serverSeconds,
        cpuPerPoll,
        // What the steady phase spent beyond its polls' share, per line posted: the line's POST,
        // its delivery, and the long-poll each delivery makes the agent ask again.
        cpuPerLine:
          (serverCpu - idlePerMs * serverSeconds * 1000 - cpuPerPoll * (visitorPolls.length + agentPolls.length)) /
          Math.max(1, linesPosted),
        pollsOnly: { cpuMs: pollsOnlyCpu, polls: pollsOnlyPolls, seconds: POLLS_ONLY_MS / 1000 },
        idle: { cpuMs: idleCpu, seconds: IDLE_MS / 1000 },
        complaints: await serverComplaints(log),
      },
      heap: heapAfterCollections(collections),
      gc: gcPauses(collections),
      serverLoopDelays: loopDelays(steadyLog),
      rss: sampler.samples,
      clients: reports.map((r) => ({ client: r.client, cpuMs: r.steady.cpuMs, loopDelay: r.steady.loopDelay })),
      coordinatorCpuMs: (ownCpu.user + ownCpu.system) / 1000,
      machineBusy: (machineEnd.busy - machineAt.busy) / Math.max(1, machineEnd.all - machineAt.all),
      tcp: {
        listenDrops: tcpEnd.listenDrops - tcpAt.listenDrops,
        synRetransmits: tcpEnd.synRetransmits - tcpAt.synRetransmits,
      },
    };
  } finally {
    sampler.stop();
    for (const client of clients?.clients ?? []) if (client.exitCode === null) client.kill('SIGTERM');
    if (child.exitCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      // Draining thousands of open streams may take the server a while; a bench does not wait long.
      await Promise.race([exited, sleep(30_000).then(() => child.kill('SIGKILL'))]);
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const reference: MachineReference = { before: await measureBare(5) };
  const results: LevelResult[] = [];
  for (const level of LEVELS) {
    const result = await runLevel(level);
    results.push(result);
    process.stderr.write(
      `${renderCapacity([result], { minutes: MINUTES, clients: CLIENTS, svg: undefined, reference })}\n\n`,
    );
  }
  reference.after = await measureBare(5);
  const svgPath = join(root, 'bench/results/capacity-rss.svg');
  const text = renderCapacity(results, {
    minutes: MINUTES,
    clients: CLIENTS,
    svg: 'bench/results/capacity-rss.svg',
    reference,
  });
  console.log(text);
  if (process.argv.includes('--record')) {
    mkdirSync(join(root, 'bench/results'), { recursive: true });
    writeFileSync(svgPath, rssSvg(results, MINUTES));
    writeFileSync(join(root, 'bench/results/capacity-rss.csv'), rssCsv(results));
    recordLatest(join(root, 'BENCHMARKS.md'), 'capacity', text, '## Capacity (`npm run bench:capacity`)');
  }
}

await main();
