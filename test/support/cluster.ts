import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { POSTGRES_URL, requireServices } from './databases.js';
import { eventually } from './eventually.js';
import { freePort } from './free-port.js';
import { send } from './http-client.js';
import { redisUnavailable, startRedisServer, type RedisServer } from './redis-server.js';

/**
 * Several `parley serve` processes (the built server, dist/) on one fresh PostgreSQL database and
 * one private Redis, behind a real HAProxy run from deploy/haproxy.cfg: what docs/DEPLOYMENT.md
 * describes, on loopback, for one test file or one benchmark.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SERVER = join(ROOT, 'dist/cli/parley.js');
export const HAPROXY = process.env.PARLEY_TEST_HAPROXY ?? '/usr/sbin/haproxy';

/**
 * Why the cluster cannot run here (no HAProxy, no redis-server, no built server), or undefined
 * when it can. With PARLEY_TEST_REQUIRE_SERVICES=1 it throws instead: CI must have them.
 */
export function clusterProblem(): string | undefined {
  // Throws itself under PARLEY_TEST_REQUIRE_SERVICES=1, naming the binary.
  const redis = redisUnavailable();
  const problem = !existsSync(HAPROXY)
    ? `HAProxy is not installed at ${HAPROXY} (apt-get install haproxy)`
    : redis !== undefined
      ? `${redis} (apt-get install redis-server)`
      : !existsSync(SERVER)
        ? `the server is not built (${SERVER} is missing: npm run build)`
        : undefined;
  if (problem !== undefined && requireServices)
    throw new Error(`${problem}; PARLEY_TEST_REQUIRE_SERVICES=1 requires it`);
  return problem;
}

export interface ClusterOptions {
  /** The seed file's content, applied once by the first node's first start. */
  seed: unknown;
  /** How many Parley nodes (3). */
  nodes?: number;
  /** Environment for every node, over the harness's (request budgets are out of the way unless set). */
  env?: Record<string, string>;
  /** Node flags for every node (`--cpu-prof`, say). */
  nodeArgs?: readonly string[];
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One `parley serve` of the cluster, on a port of its own that it keeps across restarts. */
export interface ClusterNode {
  /** Its name in HAProxy's configuration: parley1, parley2, … */
  name: string;
  port: number;
  /** Its own address, past HAProxy. */
  url: string;
  /** The running process's id (undefined while it is down). */
  readonly pid: number | undefined;
  readonly isRunning: boolean;
  /** Its standard output and error since the harness started it the first time. */
  output(): string;
  /** SIGKILL, as a crash: nothing drains. Resolves once it has exited. */
  kill(): Promise<ExitStatus>;
  /** SIGTERM, as systemd stops it: /health says draining, requests in flight finish. Resolves at its exit. */
  drain(): Promise<ExitStatus>;
  /** Starts it again on its port (without the seed) and waits for /health to answer 200. */
  start(): Promise<void>;
}

export interface Cluster {
  /** HAProxy's address: what clients use. */
  url: string;
  /** Its authority (`127.0.0.1:port`), every node's PARLEY_PUBLIC_HOST. */
  publicHost: string;
  nodes: ClusterNode[];
  redis: RedisServer;
  databaseUrl: string;
  /** A query on the cluster's database, past every node (what the store holds). */
  sql<Row extends object>(text: string, values?: unknown[]): Promise<Row[]>;
  /** HAProxy's view of each server: `UP`, `DOWN`, `MAINT`, `UP 1/2` while it rises, … */
  serverStates(): Promise<Map<string, string>>;
  /** Waits until HAProxy reports `node` UP (or DOWN): its health checks have seen the change. */
  waitForState(node: ClusterNode, state: 'UP' | 'DOWN', timeoutMs?: number): Promise<void>;
  /** Stops everything and drops the database; safe to call twice. */
  stop(): Promise<void>;
}

/** Every child this process started and has not seen exit: killed if the test process exits first. */
const children = new Set<ChildProcess>();
const killChildren = () => {
  for (const child of children) child.kill('SIGKILL');
};
process.once('exit', killChildren);
// A signal ends the process without 'exit': the test runner's timeout, a Ctrl-C.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    killChildren();
    process.kill(process.pid, signal);
  });
}

function track(child: ChildProcess): Promise<ExitStatus> {
  children.add(child);
  return new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
}

/**
 * The HAProxy configuration the tests run: deploy/haproxy.cfg with loopback addresses, these
 * servers, fast health checks (a killed node is out within a second, a restarted one back as
 * soon), an `X-Parley-Node` header naming the server that answered, fewer connections than production (a test's file limit), and a stats socket for `serverStates()`; the process settings of `global` (user, daemon,
 * syslog) dropped, since HAProxy runs in the foreground as the test's child.
 */
export function haproxyConfig(options: {
  port: number;
  servers: { name: string; port: number }[];
  statsSocket: string;
}): string {
  const deployed = readFileSync(join(ROOT, 'deploy/haproxy.cfg'), 'utf8').split('\n');
  const lines: string[] = [];
  let section = '';
  for (const line of deployed) {
    const text = line.trim();
    if (/^[a-z]/.test(line)) section = text.split(/\s+/)[0] ?? '';
    if (text.startsWith('#') || text === '') continue;
    if (section === 'global' && /^(log|user|group|daemon|chroot|stats)\b/.test(text)) continue;
    if (section === 'defaults' && /^(log|option httplog|option dontlognull)\b/.test(text)) continue;
    if (/^server\s/.test(text)) continue;
    if (section === 'global' && /^maxconn\s/.test(text)) {
      // Within a test process's file limit (HAProxy needs two descriptors a connection).
      lines.push('    maxconn 4000');
    } else if (/^timeout check\s/.test(text)) {
      // On a busy 2-core machine a healthy node may take seconds to answer: a slow answer is no
      // reason to take it out (a killed node refuses at once, a draining one says 503 at once).
      lines.push('    timeout check 20s');
    } else if (/^bind\s/.test(text)) {
      lines.push(`    bind 127.0.0.1:${options.port}`);
    } else if (/^balance\s/.test(text)) {
      lines.push(line);
      // Which node served a request, for the tests and the benchmark (not in production: it
      // would tell clients the servers' names).
      lines.push('    http-response set-header X-Parley-Node %[srv_name]');
    } else if (/^default-server\s/.test(text)) {
      lines.push('    default-server inter 500ms fastinter 250ms downinter 250ms fall 2 rise 2');
      for (const server of options.servers) lines.push(`    server ${server.name} 127.0.0.1:${server.port} check`);
    } else {
      lines.push(line);
    }
    if (text === 'global') lines.push(`    stats socket ${options.statsSocket} mode 600 level admin`);
  }
  return `${lines.join('\n')}\n`;
}

/** One command on HAProxy's stats socket, and its whole answer. */
function statsCommand(socketPath: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let answer = '';
    socket.setEncoding('utf8');
    socket.once('connect', () => socket.write(`${command}\n`));
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.once('end', () => resolve(answer));
    socket.once('error', reject);
  });
}

/** Creates `parley_cluster_<random>` on the test PostgreSQL server; its URL and how to drop it. */
async function createDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `parley_cluster_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 20_000 });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 20_000 });
      await client.connect();
      try {
        // FORCE: a node killed a moment ago may still hold a connection the server has not reaped.
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Starts the cluster and waits until HAProxy sees every node UP. */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-cluster-'));
  const cleanups: (() => Promise<void> | void)[] = [() => rmSync(dir, { recursive: true, force: true })];
  const stopAll = async () => {
    // In reverse: HAProxy, the nodes, Redis, the database, the directory.
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (error) {
        process.stderr.write(`cluster teardown: ${error instanceof Error ? error.message : String(error)}\n`);
      }
    }
    cleanups.length = 0;
  };
  try {
    const database = await createDatabase();
    cleanups.push(() => database.drop());
    const pool = new pg.Pool({ connectionString: database.url, max: 2, connectionTimeoutMillis: 30_000 });
    cleanups.push(() => pool.end());
    const redis = await startRedisServer();
    cleanups.push(() => redis.close());

    const seedPath = join(dir, 'seed.json');
    writeFileSync(seedPath, JSON.stringify(options.seed));
    const haproxyPort = await freePort();
    const publicHost = `127.0.0.1:${haproxyPort}`;
    const environment: Record<string, string> = {
      HOST: '127.0.0.1',
      PARLEY_DATABASE_URL: database.url,
      PARLEY_REDIS_URL: redis.url,
      PARLEY_SECRET_KEY: randomBytes(32).toString('hex'),
      PARLEY_PUBLIC_HOST: publicHost,
      // HAProxy is the one hop in front (`option forwardfor`).
      PARLEY_TRUST_PROXY: '1',
      PARLEY_LOG_LEVEL: 'warn',
      PARLEY_RATE_LIMIT_ACCOUNT: '1000000/1000000',
      PARLEY_RATE_LIMIT_CREDENTIAL: '1000000/1000000',
      // A busy 2-core machine runs three nodes, HAProxy and the clients: production's 3 s / 5 s
      // deadlines would answer 503 to work that is merely slow (test/support/databases.ts).
      PARLEY_PG_CONNECT_TIMEOUT_MS: '30000',
      PARLEY_PG_STATEMENT_TIMEOUT_MS: '30000',
      // Test files run two at a time against one PostgreSQL (max_connections 100).
      PARLEY_PG_POOL_SIZE: '10',
      ...options.env,
    };

    const nodes: ClusterNode[] = [];
    for (let index = 0; index < (options.nodes ?? 3); index += 1) {
      nodes.push(clusterNode(`parley${index + 1}`, await freePort(), environment, options.nodeArgs ?? []));
    }
    cleanups.push(() => Promise.all(nodes.map((node) => node.isRunning && node.kill())).then(() => undefined));
    // The seed is applied once, by the first node, before the others start: several nodes applying
    // it at once would race to create the same rows.
    await (nodes[0] as ClusterNodeImpl).startWith({ PARLEY_SEED: seedPath });
    await Promise.all(nodes.slice(1).map((node) => node.start()));

    const statsSocket = join(dir, 'haproxy.sock');
    const configPath = join(dir, 'haproxy.cfg');
    writeFileSync(configPath, haproxyConfig({ port: haproxyPort, servers: nodes, statsSocket }));
    const checked = spawnSync(HAPROXY, ['-c', '-q', '-f', configPath], { encoding: 'utf8' });
    if (checked.status !== 0) throw new Error(`HAProxy refused the configuration:\n${checked.stderr}`);
    const haproxy = spawn(HAPROXY, ['-f', configPath, '-db'], { stdio: ['ignore', 'ignore', 'pipe'], detached: false });
    let haproxyLog = '';
    haproxy.stderr?.setEncoding('utf8').on('data', (chunk: string) => (haproxyLog += chunk));
    const haproxyExited = track(haproxy);
    cleanups.push(async () => {
      if (haproxy.exitCode === null && haproxy.signalCode === null) haproxy.kill('SIGKILL');
      await haproxyExited;
    });

    const serverStates = async () => {
      const csv = await statsCommand(statsSocket, 'show stat');
      const [header = '', ...rows] = csv.split('\n');
      const columns = header.replace(/^# /, '').split(',');
      const at = (row: string[], name: string) => row[columns.indexOf(name)] ?? '';
      const states = new Map<string, string>();
      for (const row of rows.map((line) => line.split(','))) {
        if (at(row, 'pxname') === 'parley_nodes' && at(row, 'svname').startsWith('parley'))
          states.set(at(row, 'svname'), at(row, 'status'));
      }
      return states;
    };
    const waitForState = (node: ClusterNode, state: 'UP' | 'DOWN', timeoutMs = 60_000) =>
      eventually(
        `HAProxy to see ${node.name} ${state}`,
        async () => {
          if (haproxy.exitCode !== null) throw new Error(`HAProxy exited:\n${haproxyLog}`);
          return existsSync(statsSocket) && (await serverStates()).get(node.name) === state;
        },
        { timeoutMs, intervalMs: 50 },
      );
    for (const node of nodes) await waitForState(node, 'UP');

    return {
      url: `http://${publicHost}`,
      publicHost,
      nodes,
      redis,
      databaseUrl: database.url,
      sql: async <Row extends object>(text: string, values: unknown[] = []) =>
        (await pool.query<Row>(text, values)).rows,
      serverStates,
      waitForState,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

interface ClusterNodeImpl extends ClusterNode {
  startWith(extra: Record<string, string>): Promise<void>;
}

function clusterNode(
  name: string,
  port: number,
  environment: Record<string, string>,
  nodeArgs: readonly string[],
): ClusterNodeImpl {
  let child: ChildProcess | undefined;
  let exited: Promise<ExitStatus> = Promise.resolve({ code: null, signal: null });
  let output = '';
  const url = `http://127.0.0.1:${port}`;
  const isRunning = () => child !== undefined && child.exitCode === null && child.signalCode === null;

  const stopWith = async (signal: NodeJS.Signals): Promise<ExitStatus> => {
    if (isRunning()) child?.kill(signal);
    const status = await exited;
    child = undefined;
    return status;
  };

  const startWith = async (extra: Record<string, string>) => {
    if (isRunning()) throw new Error(`${name} is already running`);
    const running = spawn(process.execPath, [...nodeArgs, SERVER, 'serve'], {
      cwd: ROOT,
      env: { ...process.env, ...environment, PORT: String(port), ...extra },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: false,
    });
    child = running;
    exited = track(running);
    const append = (chunk: string) => {
      // Only the tail: a long run must not grow the test process without bound.
      output = (output + chunk).slice(-200_000);
    };
    running.stdout?.setEncoding('utf8').on('data', append);
    running.stderr?.setEncoding('utf8').on('data', append);
    // The first start migrates the database and hashes the seed's passwords: generous.
    await eventually(
      `${name} to answer /health with 200`,
      async () => {
        if (!isRunning()) throw new Error(`${name} exited at start:\n${output}`);
        return (await send(url, 'GET', '/health').catch(() => ({ status: 0 }))).status === 200;
      },
      { timeoutMs: 180_000, intervalMs: 100 },
    );
  };

  return {
    name,
    port,
    url,
    get pid() {
      return isRunning() ? child?.pid : undefined;
    },
    get isRunning() {
      return isRunning();
    },
    output: () => output,
    kill: () => stopWith('SIGKILL'),
    drain: () => stopWith('SIGTERM'),
    start: () => startWith({}),
    startWith,
  };
}
