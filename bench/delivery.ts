/**
 * `npm run bench:delivery`: how long a visitor's line takes to reach an agent client, via long-poll
 * and via Server-Sent Events, at 1, 100 and 1,000 concurrent chats. Parley runs as its own process
 * (the built server, SQLite by default; BENCH_DATABASE_URL=postgres://… for PostgreSQL); this
 * process plays the visitors and the agents over HTTP on loopback. Prints a table and, with
 * --record, writes it into BENCHMARKS.md.
 */
import { spawn } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { cpuMsOf, longPollReceiver, pool, sseReceiver, type Receiver } from './agent-readers.js';
import { call, percentile, runLine, sleep } from './bench-http.js';
import { startParley } from './parley-server.js';
import { recordLatest } from './record.js';

const LEVELS = (process.env.BENCH_LEVELS ?? '1,100,1000').split(',').map(Number);
const AGENTS = 20;
/** Lines a second the visitors post, over all chats. */
const RATE = Number(process.env.BENCH_RATE ?? 200);
const ACCOUNT = '77000001';
const root = new URL('..', import.meta.url).pathname;
/** Extra Node flags for the server (`--cpu-prof`, say); BENCH_SERVER runs another build. */
const SERVER_NODE_ARGS = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');

interface Chat {
  visitorPath: string;
  agentPath: string;
  bearer: string;
}

async function openChats(
  base: string,
  appKey: string,
  agents: { bearer: string; session: string }[],
  count: number,
): Promise<Chat[]> {
  const visitorPaths: string[] = [];
  await pool(
    Array.from({ length: count }, (_, i) => i),
    50,
    async () => {
      const response = await call(base, 'POST', `/api/account/${ACCOUNT}/chat/request.json?appKey=${appKey}`, {
        body: { request: { skill: 'Sales', interactionTimeout: 86_400 } },
      });
      visitorPaths.push(new URL(response.location ?? '').pathname);
    },
  );
  const chats: Chat[] = [];
  await Promise.all(
    agents.map(async (agent) => {
      while (chats.length < count) {
        const response = await call(base, 'POST', `${agent.session}/incomingRequests.json`, {
          bearer: agent.bearer,
          body: {},
        });
        if (response.status === 201) {
          const body = response.json<{ chatLocation: { link: { '@href': string } } }>();
          const agentPath = new URL(body.chatLocation.link['@href']).pathname;
          const chatId = agentPath.split('/').pop() ?? '';
          const visitorPath = visitorPaths.find((path) => path.endsWith(chatId)) ?? '';
          chats.push({ visitorPath, agentPath, bearer: agent.bearer });
        } else {
          await sleep(10);
        }
      }
    }),
  );
  return chats;
}

/**
 * Waits until the server has dealt with the burst of connections that opens a measurement (every
 * receiver's first request at once): at most 10% of a core used over 200 ms. The figures are
 * delivery latency in a steady state, not queueing behind that burst.
 */
async function serverQuiet(pid: number | undefined, giveUpMs = 60_000): Promise<void> {
  const deadline = Date.now() + giveUpMs;
  while (Date.now() < deadline) {
    const before = cpuMsOf(pid);
    await sleep(200);
    const used = cpuMsOf(pid) - before;
    if (Number.isNaN(used) || used <= 20) return;
  }
}

async function measure(
  base: string,
  appKey: string,
  chats: Chat[],
  receiver: Receiver,
  samples: number,
  serverPid: number | undefined,
) {
  const sent = new Map<string, number>();
  const latencies: number[] = [];
  const controller = new AbortController();
  // Every receiver's requests listen to this one signal.
  setMaxListeners(0, controller.signal);
  let received = 0;
  const onLine = (text: string) => {
    const start = sent.get(text);
    if (start === undefined) return;
    sent.delete(text);
    latencies.push(performance.now() - start);
    received += 1;
  };
  // Every receiver starts after the chat's current events, so it waits for the new line only.
  const starts = await Promise.all(
    chats.map(async (chat) => {
      const response = await call(base, 'GET', `${chat.agentPath}/events.json`, { bearer: chat.bearer });
      const body = response.json<{ events: { link: { '@href': string; '@rel': string }[] } }>();
      return Number(/from=(\d+)/.exec(body.events.link[1]?.['@href'] ?? '')?.[1] ?? 0);
    }),
  );
  const receiving = chats.map((chat, i) => receiver(base, chat, starts[i] ?? 0, onLine, controller.signal));
  await sleep(500);
  await serverQuiet(serverPid);
  // A steady load (BENCH_RATE lines a second over all chats, round-robin), as conversations make it:
  // the figure is delivery latency, not queueing behind a burst.
  // At most 20 lines a second in any one chat: a conversation, not a flood.
  const interval = 1000 / Math.min(RATE, 20 * chats.length);
  const startedAt = performance.now();
  const serverCpuAt = cpuMsOf(serverPid);
  const clientCpuAt = process.cpuUsage();
  // How late this process's own event loop ran: a line that arrives meanwhile is counted late.
  const clientLag = monitorEventLoopDelay({ resolution: 1 });
  clientLag.enable();
  let seq = 0;
  const posting: Promise<void>[] = [];
  for (; seq < samples; seq += 1) {
    const chat = chats[seq % chats.length]!;
    const due = startedAt + seq * interval;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const text = `bench:${seq}`;
    sent.set(text, performance.now());
    posting.push(
      call(base, 'POST', `${chat.visitorPath}/events.json?appKey=${appKey}`, {
        body: { event: { '@type': 'line', text } },
      }).then(() => undefined),
    );
  }
  await Promise.all(posting);
  const deadline = Date.now() + 10_000;
  while (sent.size > 0 && Date.now() < deadline) await sleep(5);
  const serverCpu = cpuMsOf(serverPid) - serverCpuAt;
  const clientUsage = process.cpuUsage(clientCpuAt);
  clientLag.disable();
  const clientCpu = (clientUsage.user + clientUsage.system) / 1000;
  controller.abort();
  await Promise.allSettled(receiving);
  const sorted = latencies.sort((a, b) => a - b);
  return {
    samples: received,
    lost: seq - received,
    median: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? NaN,
    serverCpuPerLine: serverCpu / seq,
    clientCpuPerLine: clientCpu / seq,
    clientLagP99: clientLag.percentile(99) / 1e6,
    clientLagMax: clientLag.max / 1e6,
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
  const { child, base, appKey } = await startParley({
    dir,
    accountId: ACCOUNT,
    agents: AGENTS,
    startTimeoutMs: 30_000,
    nodeArgs: SERVER_NODE_ARGS,
    ...(process.env.BENCH_DATABASE_URL === undefined
      ? {}
      : { env: { PARLEY_DATABASE_URL: process.env.BENCH_DATABASE_URL } }),
  });
  try {
    const agents = await Promise.all(
      Array.from({ length: AGENTS }, async (_, i) => {
        const login = await call(base, 'POST', `/api/account/${ACCOUNT}/login`, {
          body: { username: `agent${i}`, password: 'bench-pass' },
        });
        const { bearer } = login.json<{ bearer: string }>();
        const created = await call(base, 'POST', `/api/account/${ACCOUNT}/agentSession.json`, { bearer, body: {} });
        const body = created.json<{ agentSessionLocation: { link: { '@href': string } } }>();
        return { bearer, session: new URL(body.agentSessionLocation.link['@href']).pathname };
      }),
    );
    const rows: string[] = [];
    const disk = probeDiskSync(dir);
    let opened: Chat[] = [];
    for (const level of LEVELS) {
      opened = [...opened, ...(await openChats(base, appKey, agents, level - opened.length))];
      const chats = opened.slice(0, level);
      for (const [mode, receiver] of [
        ['long-poll', longPollReceiver],
        ['SSE', sseReceiver],
      ] as const) {
        const result = await measure(
          base,
          appKey,
          chats,
          receiver,
          // p99 is the 1%-slowest line: enough lines that one pause of the machine does not decide it.
          level === 1 ? 200 : Math.max(2000, 3 * level),
          child.pid,
        );
        rows.push(
          `| ${level} | ${mode} | ${result.samples} | ${result.median.toFixed(2)} | ${result.p99.toFixed(2)} | ${result.lost} |`,
        );
        process.stderr.write(
          `${level} chats, ${mode}: median ${result.median.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, ` +
            `max ${result.max.toFixed(1)} ms; CPU per line: server ${result.serverCpuPerLine.toFixed(2)} ms, ` +
            `client ${result.clientCpuPerLine.toFixed(2)} ms; client event-loop delay p99 ` +
            `${result.clientLagP99.toFixed(1)} ms, max ${result.clientLagMax.toFixed(1)} ms\n`,
        );
      }
    }
    const table = [
      runLine(process.env.BENCH_DATABASE_URL?.split(':')[0] ?? 'sqlite'),
      '',
      '| concurrent chats | delivery | lines | median ms | p99 ms | lost |',
      '| ---: | --- | ---: | ---: | ---: | ---: |',
      ...rows,
      '',
      await disk.stop(),
    ].join('\n');
    console.log(table);
    if (process.argv.includes('--record')) recordLatest(join(root, 'BENCHMARKS.md'), 'delivery', table);
  } finally {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What a durable commit costs the disk meanwhile: fdatasync of a 4 KB write beside the database, ten
 * times a second while the lines are posted (every line delivered waited for one such flush). The
 * probe is a process of its own, timing a synchronous fdatasync: neither this process's event loop
 * nor the server's adds to what it reports.
 */
function probeDiskSync(dir: string): { stop(): Promise<string> } {
  const script = `
    const fs = require('node:fs');
    const fd = fs.openSync(process.argv[1], 'w');
    const block = Buffer.alloc(4096, 1);
    const times = [];
    let i = 0;
    const timer = setInterval(() => {
      fs.writeSync(fd, block, 0, block.length, (i++ % 16) * block.length);
      const start = process.hrtime.bigint();
      fs.fdatasyncSync(fd);
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }, 100);
    process.stdin.resume();
    process.stdin.on('end', () => {
      clearInterval(timer);
      fs.closeSync(fd);
      process.stdout.write(JSON.stringify(times));
    });`;
  const child = spawn(process.execPath, ['-e', script, join(dir, 'sync-probe')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    async stop() {
      child.stdin?.end();
      await exited;
      const sorted = (JSON.parse(output || '[]') as number[]).sort((a, b) => a - b);
      return (
        `fdatasync of 4 KB beside the database, ${sorted.length} times during the run: ` +
        `median ${percentile(sorted, 50).toFixed(2)} ms, p99 ${percentile(sorted, 99).toFixed(2)} ms, ` +
        `max ${(sorted.at(-1) ?? NaN).toFixed(2)} ms.`
      );
    },
  };
}

await main();
