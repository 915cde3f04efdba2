/**
 * `npm run bench:cluster`: three Parley nodes (the built server) on one PostgreSQL database and a
 * private Redis, behind HAProxy (test/support/cluster.ts, deploy/haproxy.cfg), with 1,000 chats
 * live. Every chat's agent client holds a Server-Sent Events stream or, on a fresh cluster of its
 * own, a long-poll, straight on one node (chat i on node i mod 3); visitors post lines through HAProxy, whose round robin puts
 * two of three on another node than the reader's. Measures the delivery latency of the lines that
 * crossed nodes (posted through HAProxy → read on another node: the event bus in Redis), and the
 * CPU each node spent, read from /proc/<pid>/stat before and after. Prints a table and, with
 * --record, writes it into BENCHMARKS.md.
 */
import { spawnSync } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DEFAULT_POSTGRES_POOL_SIZE } from '../src/store/open-postgres.js';
import { HAPROXY, startCluster, type Cluster } from '../test/support/cluster.js';
import { cpuMsOf, longPollReceiver, pool, sseReceiver, type Receiver } from './agent-readers.js';
import { call, open, percentile, runLine, sleep } from './bench-http.js';
import { recordLatest } from './record.js';

const CHATS = Number(process.env.BENCH_CHATS ?? 1000);
const AGENTS = 20;
/**
 * Lines a second the visitors post, over all chats, to chats chosen at random. Three nodes, HAProxy,
 * PostgreSQL, Redis and the client share the machine: 200 (bench:delivery's rate) saturates two cores.
 */
const RATE = Number(process.env.BENCH_RATE ?? 50);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 3000);
/** How long the nodes' idle CPU is measured before each measurement. */
const IDLE_MS = 5_000;
const ACCOUNT = '77000002';
const APP_KEY = 'b1a5c0ffee0ddba11b1a5c0ffee0ddba';
const root = new URL('..', import.meta.url).pathname;
/** Extra Node flags for the nodes (`--cpu-prof`, say). */
const SERVER_NODE_ARGS = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');
/** The modes measured, in this order (BENCH_MODES=long-poll,SSE: long-polls first). */
const MODES = (process.env.BENCH_MODES ?? 'SSE,long-poll').split(',');

interface Chat {
  chatId: string;
  visitorPath: string;
  agentPath: string;
  bearer: string;
  /** The node its reader is held on. */
  reader: number;
}

/** Posts through HAProxy; resolves with the status and the node HAProxy sent it to. */
async function post(base: string, path: string, body: unknown): Promise<{ status: number; node: string }> {
  try {
    const response = await open(base, 'POST', path, { body });
    response.resume();
    await new Promise((resolve) => response.once('end', resolve));
    return { status: response.statusCode ?? 0, node: String(response.headers['x-parley-node'] ?? '') };
  } catch {
    // A kept-alive connection HAProxy closed as the request went out: counted as refused (the
    // posting loop cannot wait for a rejection it would only see after the last line).
    return { status: 0, node: '' };
  }
}

async function openChats(cluster: Cluster, agents: { bearer: string; session: string }[]): Promise<Chat[]> {
  const base = cluster.url;
  await pool(
    Array.from({ length: CHATS }, (_, i) => i),
    50,
    async () => {
      const response = await call(base, 'POST', `/api/account/${ACCOUNT}/chat/request.json?appKey=${APP_KEY}`, {
        body: { request: { skill: 'Sales', interactionTimeout: 86_400 } },
      });
      if (response.status !== 201) throw new Error(`start chat: ${response.status}`);
    },
  );
  const chats: Chat[] = [];
  await Promise.all(
    agents.map(async (agent) => {
      while (chats.length < CHATS) {
        const response = await call(base, 'POST', `${agent.session}/incomingRequests.json`, {
          bearer: agent.bearer,
          body: {},
        });
        if (response.status === 201) {
          const href = response.json<{ chatLocation: { link: { '@href': string } } }>().chatLocation.link['@href'];
          const agentPath = new URL(href).pathname;
          const chatId = agentPath.split('/').pop() ?? '';
          const reader = chats.length % cluster.nodes.length;
          chats.push({
            chatId,
            visitorPath: `/api/account/${ACCOUNT}/chat/${chatId}`,
            agentPath,
            bearer: agent.bearer,
            reader,
          });
        } else {
          await sleep(20);
        }
      }
    }),
  );
  return chats;
}

/** Waits until every node has dealt with the burst of connections that opens a measurement. */
async function nodesQuiet(cluster: Cluster, giveUpMs = 60_000): Promise<void> {
  const deadline = Date.now() + giveUpMs;
  while (Date.now() < deadline) {
    const before = cluster.nodes.map((node) => cpuMsOf(node.pid));
    await sleep(300);
    const busiest = Math.max(...cluster.nodes.map((node, i) => cpuMsOf(node.pid) - before[i]!));
    if (Number.isNaN(busiest) || busiest <= 30) return;
  }
}

async function measure(cluster: Cluster, chats: Chat[], receiver: Receiver) {
  const sent = new Map<string, { at: number; crossed: boolean }>();
  const delivered: { line: { crossed: boolean }; ms: number }[] = [];
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  const polls = cluster.nodes.map(() => 0);
  const linesServed = new Map<string, number>();
  const onLine = (text: string) => {
    const line = sent.get(text);
    if (line === undefined) return;
    sent.delete(text);
    delivered.push({ line, ms: performance.now() - line.at });
  };
  const starts = await Promise.all(
    chats.map(async (chat) => {
      const response = await call(cluster.url, 'GET', `${chat.agentPath}/events.json`, { bearer: chat.bearer });
      const body = response.json<{ events: { link: { '@href': string; '@rel': string }[] } }>();
      return Number(/from=(\d+)/.exec(body.events.link[1]?.['@href'] ?? '')?.[1] ?? 0);
    }),
  );
  const receiving = chats.map((chat, i) =>
    receiver(
      cluster.nodes[chat.reader]!.url,
      chat,
      starts[i] ?? 0,
      onLine,
      controller.signal,
      () => (polls[chat.reader] = polls[chat.reader]! + 1),
    ),
  );
  await sleep(500);
  await nodesQuiet(cluster);
  // What the nodes spend with every reader waiting and nothing posted (heartbeats, the timers'
  // turn, keep-alives), to take out of the figures per line and per poll.
  const idleAt = cluster.nodes.map((node) => cpuMsOf(node.pid));
  const idleStarted = performance.now();
  await sleep(IDLE_MS);
  const idlePerMs = cluster.nodes.map(
    (node, i) => (cpuMsOf(node.pid) - idleAt[i]!) / (performance.now() - idleStarted),
  );
  const cpuAt = cluster.nodes.map((node) => cpuMsOf(node.pid));
  const pollsAt = [...polls];
  const interval = 1000 / RATE;
  const startedAt = performance.now();
  const posting: Promise<void>[] = [];
  let refused = 0;
  for (let seq = 0; seq < SAMPLES; seq += 1) {
    // A chat at random: HAProxy's round robin and the readers' nodes (chat i on node i mod 3)
    // would otherwise stay in step, and every line would cross nodes, or none.
    const chat = chats[Math.floor(Math.random() * chats.length)]!;
    const wait = startedAt + seq * interval - performance.now();
    if (wait > 1) await sleep(wait);
    const text = `bench:${seq}`;
    const line = { at: performance.now(), crossed: true };
    sent.set(text, line);
    posting.push(
      post(cluster.url, `${chat.visitorPath}/events.json?appKey=${APP_KEY}`, {
        event: { '@type': 'line', text },
      }).then(({ status, node }) => {
        if (status !== 201) refused += 1;
        linesServed.set(node, (linesServed.get(node) ?? 0) + 1);
        // Posted on the reader's own node: not a delivery across nodes (it may already have arrived).
        if (node === cluster.nodes[chat.reader]!.name) line.crossed = false;
      }),
    );
  }
  await Promise.all(posting);
  const deadline = Date.now() + 10_000;
  while (sent.size > 0 && Date.now() < deadline) await sleep(5);
  const elapsed = performance.now() - startedAt;
  const cpu = cluster.nodes.map((node, i) => cpuMsOf(node.pid) - cpuAt[i]!);
  const idle = idlePerMs.map((perMs) => perMs * elapsed);
  const pollsServed = polls.map((count, i) => count - pollsAt[i]!);
  controller.abort();
  await Promise.allSettled(receiving);
  // Split only now: a line may reach its reader before its POST's answer names the node.
  const crossed = delivered
    .filter((d) => d.line.crossed)
    .map((d) => d.ms)
    .sort((a, b) => a - b);
  const same = delivered
    .filter((d) => !d.line.crossed)
    .map((d) => d.ms)
    .sort((a, b) => a - b);
  return {
    crossed,
    same,
    lost: sent.size,
    refused,
    nodes: cluster.nodes.map((node, i) => ({
      name: node.name,
      cpuMs: cpu[i]!,
      idleMs: idle[i]!,
      seconds: elapsed / 1000,
      lines: linesServed.get(node.name) ?? 0,
      polls: pollsServed[i]!,
    })),
  };
}

const SEED = {
  accounts: [
    {
      id: ACCOUNT,
      appKeys: [APP_KEY],
      skills: [{ id: 1, name: 'Sales' }],
      users: Array.from({ length: AGENTS }, (_, i) => ({
        id: 100 + i,
        loginName: `agent${i}`,
        password: 'bench-pass',
        skills: ['Sales'],
        maxChats: -1,
      })),
      settings: { ringTimeoutSeconds: 3600, agentSessionIdleSeconds: 86_400 },
    },
  ],
};

/**
 * Measures one delivery mode on a cluster of its own: measured one after the other on one cluster,
 * the second mode inherited what the first left (its p99 rose by a third to a half, whichever came
 * second), so neither would be measured as a fresh deployment is.
 */
async function measureMode(receiver: Receiver): Promise<Awaited<ReturnType<typeof measure>>> {
  // Warnings only: the nodes' output goes through a pipe this process drains, which at `info`
  // (a line per request) would compete with the measurement.
  // The nodes' own default pool (the tests' cluster opens fewer connections).
  const cluster = await startCluster({
    seed: SEED,
    env: { PARLEY_LOG_LEVEL: 'warn', PARLEY_PG_POOL_SIZE: String(DEFAULT_POSTGRES_POOL_SIZE) },
    nodeArgs: SERVER_NODE_ARGS,
  });
  try {
    const agents = await Promise.all(
      Array.from({ length: AGENTS }, async (_, i) => {
        const login = await call(cluster.url, 'POST', `/api/account/${ACCOUNT}/login`, {
          body: { username: `agent${i}`, password: 'bench-pass' },
        });
        const { bearer } = login.json<{ bearer: string }>();
        const created = await call(cluster.url, 'POST', `/api/account/${ACCOUNT}/agentSession.json`, {
          bearer,
          body: {},
        });
        const body = created.json<{ agentSessionLocation: { link: { '@href': string } } }>();
        return { bearer, session: new URL(body.agentSessionLocation.link['@href']).pathname };
      }),
    );
    const chats = await openChats(cluster, agents);
    process.stderr.write(`${chats.length} chats live\n`);
    return await measure(cluster, chats, receiver);
  } finally {
    // Drained, not killed, so that each node writes what its flags ask for at exit (a profile).
    if (SERVER_NODE_ARGS.length > 0) await Promise.all(cluster.nodes.map((node) => node.drain()));
    await cluster.stop();
  }
}

async function main(): Promise<void> {
  const rows: string[] = [];
  const cpuRows: string[] = [];
  const modes = [
    ['SSE', sseReceiver],
    ['long-poll', longPollReceiver],
  ] as const;
  for (const [mode, receiver] of MODES.flatMap((name) => modes.filter(([known]) => known === name))) {
    const result = await measureMode(receiver);
    const f = (value: number) => value.toFixed(2);
    rows.push(
      `| ${mode} | ${result.crossed.length} | ${f(percentile(result.crossed, 50))} | ${f(percentile(result.crossed, 95))} | ${f(percentile(result.crossed, 99))} | ${f(result.crossed.at(-1) ?? NaN)} | ${result.same.length} | ${f(percentile(result.same, 50))} | ${f(percentile(result.same, 99))} | ${result.lost} | ${result.refused} |`,
    );
    for (const node of result.nodes) {
      const extra = Math.max(0, node.cpuMs - node.idleMs);
      cpuRows.push(
        `| ${mode} | ${node.name} | ${f(node.cpuMs / node.seconds)} | ${f(node.idleMs / node.seconds)} | ${node.lines} | ${node.polls} | ${f(extra / SAMPLES)} | ${mode === 'long-poll' ? f(extra / Math.max(1, node.polls)) : '—'} |`,
      );
    }
    process.stderr.write(`${mode}: ${rows.at(-1)}\n`);
  }
  const table = [
    runLine(
      `3 nodes + HAProxy ${haproxyVersion()} + PostgreSQL + Redis, ${CHATS} chats, ${RATE} lines/s, a fresh cluster per mode`,
    ),
    '',
    '| delivery | lines across nodes | p50 ms | p95 ms | p99 ms | max ms | lines on the same node | p50 ms | p99 ms | lost | refused |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    '| delivery | node | CPU ms/s | of which idle | lines it stored | polls it answered | CPU ms per line posted | CPU ms per poll |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...cpuRows,
  ].join('\n');
  console.log(table);
  if (process.argv.includes('--record')) recordLatest(join(root, 'BENCHMARKS.md'), 'cluster', table);
}

function haproxyVersion(): string {
  return /version (\S+)/.exec(spawnSync(HAPROXY, ['-v'], { encoding: 'utf8' }).stdout)?.[1] ?? '';
}

await main();
