/**
 * `npm run bench:login`: whether a login flood slows chat traffic. Parley runs as its own process
 * (the built server, SQLite in a temp dir, the production scrypt cost); this process posts visitor
 * lines at a steady rate and times each POST's answer, first with nothing else going on, then
 * while ~18 logins a second (half right, half for unknown user names, each from one of 64 client
 * addresses behind a trusted proxy, so that the throttle does not simply refuse them) arrive.
 * Prints the line POST p50/p99 of both phases, their ratio and how the logins were answered (the
 * runs in BENCHMARKS.md were copied from it). BENCH_SERVER runs another build (an older one, say).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { call, percentile, runLine, sleep } from './bench-http.js';
import { startParley } from './parley-server.js';

const ACCOUNT = '77000002';
/** Users the flood logs in with; few enough logins per name that the old per-name brake stays out. */
const USERS = 30;
const CHATS = 5;
/** Lines a second over all chats, and how long each phase posts them. */
const LINE_RATE = Number(process.env.BENCH_LINE_RATE ?? 25);
const PHASE_MS = Number(process.env.BENCH_PHASE_MS ?? 20_000);
const LOGIN_RATE = Number(process.env.BENCH_LOGIN_RATE ?? 18);

/** One agent logged in with a session that accepts `CHATS` chats; the visitors' paths. */
async function openChats(base: string, appKey: string): Promise<string[]> {
  const login = await call(base, 'POST', `/api/account/${ACCOUNT}/login`, {
    body: { username: 'agent0', password: 'bench-pass' },
  });
  const { bearer } = login.json<{ bearer: string }>();
  const created = await call(base, 'POST', `/api/account/${ACCOUNT}/agentSession.json`, { bearer, body: {} });
  const session = new URL(
    created.json<{ agentSessionLocation: { link: { '@href': string } } }>().agentSessionLocation.link['@href'],
  ).pathname;
  const visitorPaths: string[] = [];
  for (let i = 0; i < CHATS; i += 1) {
    const response = await call(base, 'POST', `/api/account/${ACCOUNT}/chat/request.json?appKey=${appKey}`, {
      body: { request: { skill: 'Sales', interactionTimeout: 86_400 } },
    });
    visitorPaths.push(new URL(response.location ?? '').pathname);
  }
  for (let accepted = 0; accepted < CHATS;) {
    const response = await call(base, 'POST', `${session}/incomingRequests.json`, { bearer, body: {} });
    if (response.status === 201) accepted += 1;
    else await sleep(20);
  }
  return visitorPaths;
}

/** Posts lines at LINE_RATE for PHASE_MS, round-robin over the chats; each POST's time to answer. */
async function postLines(base: string, appKey: string, chats: string[], label: string) {
  const latencies: number[] = [];
  let failed = 0;
  const posting: Promise<void>[] = [];
  const startedAt = performance.now();
  const count = Math.round((PHASE_MS / 1000) * LINE_RATE);
  for (let seq = 0; seq < count; seq += 1) {
    const wait = startedAt + (seq * 1000) / LINE_RATE - performance.now();
    if (wait > 1) await sleep(wait);
    const chat = chats[seq % chats.length] ?? '';
    const start = performance.now();
    posting.push(
      call(base, 'POST', `${chat}/events.json?appKey=${appKey}`, {
        body: { event: { '@type': 'line', text: `${label}:${seq}` } },
      }).then((answer) => {
        if (answer.status === 201) latencies.push(performance.now() - start);
        else failed += 1;
      }),
    );
  }
  await Promise.all(posting);
  const sorted = latencies.sort((a, b) => a - b);
  return { failed, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

/** Sends LOGIN_RATE logins a second, open-loop (a slow answer does not slow the flood), until stopped. */
function flood(base: string) {
  const statuses = new Map<number, number>();
  const latencies: number[] = [];
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  const run = (async () => {
    const startedAt = performance.now();
    for (let seq = 0; !stopped; seq += 1) {
      const wait = startedAt + (seq * 1000) / LOGIN_RATE - performance.now();
      if (wait > 1) await sleep(wait);
      const isValid = seq % 2 === 0;
      const body = isValid
        ? { username: `agent${seq % USERS}`, password: 'bench-pass' }
        : { username: `nobody${seq}`, password: 'guess' };
      const start = performance.now();
      const request = call(base, 'POST', `/api/account/${ACCOUNT}/login`, {
        body,
        headers: { 'x-forwarded-for': `198.51.100.${seq % 64}` },
      })
        .then((answer) => {
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          latencies.push(performance.now() - start);
        })
        .catch(() => {
          statuses.set(0, (statuses.get(0) ?? 0) + 1);
        })
        .finally(() => inFlight.delete(request));
      inFlight.add(request);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await run;
      await Promise.all(inFlight);
      const sorted = latencies.sort((a, b) => a - b);
      const answers = [...statuses.entries()]
        .sort(([a], [b]) => a - b)
        .map(([status, n]) => `${status === 0 ? 'reset' : status}: ${n}`)
        .join(', ');
      return { answers, p50: percentile(sorted, 50) };
    },
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-login-'));
  const { child, base, appKey } = await startParley({
    dir,
    accountId: ACCOUNT,
    agents: USERS,
    // Seeding hashes every password at the production cost: give it time.
    startTimeoutMs: 120_000,
    // The flood's addresses arrive in X-Forwarded-For, as from a load balancer.
    env: { PARLEY_TRUST_PROXY: '1' },
  });
  try {
    const chats = await openChats(base, appKey);
    await postLines(base, appKey, chats, 'warm-up');
    const idle = await postLines(base, appKey, chats, 'idle');
    const logins = flood(base);
    // The flood first fills whatever queue it builds; then the lines are timed.
    await sleep(3_000);
    const busy = await postLines(base, appKey, chats, 'flood');
    const flooded = await logins.stop();
    const ratio = busy.p50 / idle.p50;
    const row =
      `| ${idle.p50.toFixed(2)} / ${idle.p99.toFixed(2)} | ${busy.p50.toFixed(2)} / ${busy.p99.toFixed(2)} ` +
      `| ${ratio.toFixed(2)} | ${LOGIN_RATE} | ${flooded.answers} | ${flooded.p50.toFixed(0)} |`;
    const table = [
      runLine(`sqlite, ${LINE_RATE} lines/s`),
      '',
      '| idle line POST p50 / p99 ms | during flood p50 / p99 ms | p50 ratio | logins/s | login answers | login p50 ms |',
      '| ---: | ---: | ---: | ---: | --- | ---: |',
      row,
    ].join('\n');
    console.log(table);
    if (idle.failed + busy.failed > 0) console.log(`line POSTs not answered 201: ${idle.failed + busy.failed}`);
  } finally {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
