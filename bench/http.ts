/**
 * `npm run bench:http`: what one request of each kind clients repeat costs Parley, as a ratio to a
 * bare node:http server answering a JSON body of the same size, measured in the same run. A bare
 * Fastify route is the second baseline: what the framework alone costs. Each target is driven by
 * autocannon (BENCH_CONNECTIONS connections, BENCH_SECONDS seconds) and the baselines are measured
 * again between the targets, so every ratio compares two measurements taken a few seconds apart on
 * a machine whose speed drifts. Parley runs as its own process (SQLite; BENCH_DATABASE_URL for
 * PostgreSQL), request budgets out of the way. Beside each rate, the CPU the server process spent
 * per request, Parley's and bare node:http's. Lines are posted to one chat per connection, as many
 * visitors type at once. The last rows are the ceiling: bare node:http made to spend 15, 30 and 60 µs
 * more on each request (BENCH_CEILING_US), what any server that costs so much reaches here, and on
 * PostgreSQL bare node:http asking it `SELECT 1` for each request. Prints a table; --record writes
 * it to BENCHMARKS.md.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Request } from 'autocannon';
import { call, runLine, sleep } from './bench-http.js';
import { drive, startBare, type Rate } from './bare-server.js';
import { startParley } from './parley-server.js';

const ACCOUNT = '77000002';
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
/** Parley on PostgreSQL instead of SQLite. */
const DATABASE_URL = process.env.BENCH_DATABASE_URL;
const root = new URL('..', import.meta.url).pathname;
/** Extra Node flags for the server (`--cpu-prof`, say). */
const SERVER_NODE_ARGS = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');

interface Target {
  name: string;
  base: string;
  path: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** The 404 target: its answers are not 2xx, and are no errors. */
  isNotFound?: boolean;
  /** A body for each request (posting lines: each its own text). */
  body?: () => string;
  /** A path for each request, in place of `path` (posting lines: one chat after another). */
  nextPath?: () => string;
  /** The process that answers, when it is not Parley (the ceiling rows). */
  pid?: number;
}

/**
 * The ceiling rows: bare node:http spending this much more CPU on each request (µs, a busy loop
 * before it answers). What a server costing so much more than the bare one can reach on this
 * machine, measured beside Parley: the ratio a target asks for bounds what one request may cost.
 */
const CEILING_WORK_US = (process.env.BENCH_CEILING_US ?? '15,30,60')
  .split(',')
  .filter((us) => us !== '')
  .map(Number);

/**
 * Requests a second one target answers with CONNECTIONS connections, how many were not 2xx, and
 * the CPU its server process spent per request (drive).
 */
async function rate(target: Target, pid: number | undefined): Promise<Rate & { errors: number }> {
  const { result, perSecond, cpuUs } = await drive(
    {
      url: `${target.base}${target.path}`,
      connections: CONNECTIONS,
      duration: SECONDS,
      method: target.method ?? 'GET',
      headers: { ...target.headers, ...(target.body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(target.body === undefined && target.nextPath === undefined
        ? {}
        : {
            requests: [
              {
                setupRequest: (request: Request) => ({
                  ...request,
                  ...(target.body === undefined ? {} : { body: target.body() }),
                  ...(target.nextPath === undefined ? {} : { path: target.nextPath() }),
                }),
              },
            ],
          }),
    },
    target.pid ?? pid,
  );
  const errors = (target.isNotFound === true ? 0 : result.non2xx) + result.errors + result.timeouts;
  return { perSecond, errors, cpuUs };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-http-'));
  const bare = await startBare('node-http');
  const fastify = await startBare('fastify');
  const ceilings = await Promise.all(
    CEILING_WORK_US.map(async (us) => ({ what: `${us} µs of CPU`, ...(await startBare('node-http', { us })) })),
  );
  // On PostgreSQL, what one round trip costs: a read that must see every other process's commits
  // asks the database at least once (docs/adr/0013-chat-heads.md).
  if (DATABASE_URL !== undefined)
    ceilings.push({ what: 'one `SELECT 1`', ...(await startBare('node-http', { databaseUrl: DATABASE_URL })) });
  const { child, base, appKey } = await startParley({
    dir,
    accountId: ACCOUNT,
    agents: 1,
    startTimeoutMs: 30_000,
    nodeArgs: SERVER_NODE_ARGS,
    ...(DATABASE_URL === undefined ? {} : { env: { PARLEY_DATABASE_URL: DATABASE_URL } }),
  });
  try {
    // One chat, accepted, with a few lines: what a visitor and its agent poll.
    const login = await call(base, 'POST', `/api/account/${ACCOUNT}/login`, {
      body: { username: 'agent0', password: 'bench-pass' },
    });
    const { bearer } = login.json<{ bearer: string }>();
    const created = await call(base, 'POST', `/api/account/${ACCOUNT}/agentSession.json`, { bearer, body: {} });
    const session = new URL(
      created.json<{ agentSessionLocation: { link: { '@href': string } } }>().agentSessionLocation.link['@href'],
    ).pathname;
    /** A chat requested by a visitor and accepted by the agent: its visitor path. */
    const openChat = async (): Promise<string> => {
      const requested = await call(base, 'POST', `/api/account/${ACCOUNT}/chat/request.json?appKey=${appKey}`, {
        body: { request: { skill: 'Sales', interactionTimeout: 86_400 } },
      });
      let accepted = await call(base, 'POST', `${session}/incomingRequests.json`, { bearer, body: {} });
      while (accepted.status !== 201) {
        await sleep(50);
        accepted = await call(base, 'POST', `${session}/incomingRequests.json`, { bearer, body: {} });
      }
      return new URL(requested.location ?? '').pathname;
    };
    const visitorPath = await openChat();
    // Lines go to as many chats as there are connections, as many visitors type at once: posts to
    // one chat would all queue for its row lock on PostgreSQL, one commit's flush after another.
    const lineChats = [visitorPath];
    while (lineChats.length < CONNECTIONS) lineChats.push(await openChat());
    for (let i = 0; i < 5; i += 1) {
      await call(base, 'POST', `${visitorPath}/events.json?appKey=${appKey}`, {
        body: { event: { '@type': 'line', text: `hello ${i}` } },
      });
    }
    const events = await call(base, 'GET', `${visitorPath}/events.json?appKey=${appKey}`);
    const nextHref =
      events
        .json<{ events: { link: { '@rel': string; '@href': string }[] } }>()
        .events.link.find((link) => link['@rel'] === 'next')?.['@href'] ?? '';
    const next = Number(/from=(\d+)/.exec(nextHref)?.[1] ?? 0);
    let line = 0;
    const targets: Target[] = [
      {
        name: 'visitor `events?from=<next>` (nothing new)',
        base,
        path: `${visitorPath}/events.json?appKey=${appKey}&from=${next}`,
      },
      { name: 'visitor `events?from=1`', base, path: `${visitorPath}/events.json?appKey=${appKey}&from=1` },
      {
        name: 'agent `incomingRequests`',
        base,
        path: `${session}/incomingRequests.json`,
        headers: { authorization: `Bearer ${bearer}` },
      },
      { name: 'Domain API lookup', base, path: `/api/account/${ACCOUNT}/service/agentVep/baseURI.json?version=1.0` },
      { name: 'an unknown path (404)', base, path: '/no/such/path', isNotFound: true },
      { name: '`/health`', base, path: '/health' },
      {
        name: 'visitor posts a line',
        base,
        path: `${visitorPath}/events.json?appKey=${appKey}`,
        nextPath: () => `${lineChats[line % lineChats.length]}/events.json?appKey=${appKey}`,
        method: 'POST',
        body: () => JSON.stringify({ event: { '@type': 'line', text: `bench ${(line += 1)}` } }),
      },
      ...ceilings.map(({ what, base: ceilingBase, child: ceiling }) => ({
        name: `(ceiling) bare node:http + ${what} a request`,
        base: ceilingBase,
        path: '/',
        ...(ceiling.pid === undefined ? {} : { pid: ceiling.pid }),
      })),
    ];
    const rows: string[] = [];
    // BENCH_ONLY=<part of a name> measures those targets alone (to profile one, say).
    const only = process.env.BENCH_ONLY;
    for (const target of targets.filter((candidate) => only === undefined || candidate.name.includes(only))) {
      // node:http, the target, node:http again: the target's ratio is to the mean of the two.
      const before = await rate({ name: 'node:http', base: bare.base, path: '/' }, bare.child.pid);
      const framework = await rate({ name: 'fastify', base: fastify.base, path: '/' }, fastify.child.pid);
      const measured = await rate(target, child.pid);
      const afterBare = await rate({ name: 'node:http', base: bare.base, path: '/' }, bare.child.pid);
      const baseline = (before.perSecond + afterBare.perSecond) / 2;
      const bareCpuUs = (before.cpuUs + afterBare.cpuUs) / 2;
      rows.push(
        `| ${target.name} | ${Math.round(measured.perSecond)} | ${(measured.perSecond / baseline).toFixed(2)} | ` +
          `${Math.round(baseline)} | ${(framework.perSecond / baseline).toFixed(2)} | ` +
          `${Math.round(measured.cpuUs)} | ${Math.round(bareCpuUs)} | ${measured.errors} |`,
      );
      process.stderr.write(`${rows.at(-1)}\n`);
    }
    const table = [
      runLine(`${DATABASE_URL?.split(':')[0] ?? 'sqlite'}, ${CONNECTIONS} connections, ${SECONDS} s each`),
      '',
      '| request | Parley req/s | × bare node:http | bare node:http req/s | bare Fastify × node:http | Parley CPU µs/request | bare node:http CPU µs/request | errors |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...rows,
    ].join('\n');
    console.log(table);
    if (process.argv.includes('--record')) record(join(root, 'BENCHMARKS.md'), table);
  } finally {
    child.kill('SIGTERM');
    bare.child.kill('SIGTERM');
    fastify.child.kill('SIGTERM');
    for (const ceiling of ceilings) ceiling.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Puts the table under "## Polls at the limit (`npm run bench:http`)", newest run first. */
function record(path: string, table: string): void {
  const heading = '## Polls at the limit (`npm run bench:http`)';
  const text = readFileSync(path, 'utf8');
  const at = text.indexOf(heading);
  const next =
    at === -1
      ? `${text.trimEnd()}\n\n${heading}\n\n${table}\n`
      : `${text.slice(0, at + heading.length)}\n\n${table}\n${text.slice(at + heading.length)}`;
  writeFileSync(path, next);
}

await main();
