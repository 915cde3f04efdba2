/**
 * Starts the built Parley as a process of its own for a benchmark: one seeded account of agents on
 * a fresh database in `dir`, request budgets out of the way, every request logged to a file (as in
 * production, so that neither a pipe this process must drain nor reading it competes with the
 * measurement). BENCH_SERVER runs another build (an older one, say).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from './bench-http.js';

const root = new URL('..', import.meta.url).pathname;
const SERVER = process.env.BENCH_SERVER ?? join(root, 'dist/cli/parley.js');

export interface BenchServerOptions {
  dir: string;
  accountId: string;
  /** Agents `agent0`… with the password `bench-pass`, all on the skill Sales. */
  agents: number;
  /** How long the start may take: seeding hashes every password at the production cost. */
  startTimeoutMs: number;
  /** Most chats each agent holds at once; -1 (the default) for no limit. */
  maxChats?: number;
  /**
   * Seeds the database in this process before the server starts, hashing the passwords at a low
   * scrypt cost (a hash carries its cost, so logins verify at that cost too), and starts the server
   * on it without a seed file. At the production cost a hash takes 0.1–0.3 s of one core here, and
   * the server hashes one at a time: a thousand agents would take minutes to seed and as long again
   * to log in. The database is migrated by this tree's code, so BENCH_SERVER must share its schema.
   */
  cheapPasswords?: boolean;
  /** Extra Node flags for the server (`--cpu-prof`, say). */
  nodeArgs?: readonly string[];
  /** Extra environment (a database URL, trusted proxies). */
  env?: Readonly<Record<string, string>>;
}

export interface BenchServer {
  child: ChildProcess;
  base: string;
  appKey: string;
}

/**
 * The Node flags `parley serve` is run with (`npm start`, bin/parley.js, deploy/parley.service, the
 * Dockerfile): the server is measured as it is deployed (docs/adr/0014-young-generation.md).
 */
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=32'];

export async function startParley(options: BenchServerOptions): Promise<BenchServer> {
  const { dir } = options;
  const appKey = randomBytes(16).toString('hex');
  const seed = {
    accounts: [
      {
        id: options.accountId,
        appKeys: [appKey],
        skills: [{ id: 1, name: 'Sales' }],
        users: Array.from({ length: options.agents }, (_, i) => ({
          id: 100 + i,
          loginName: `agent${i}`,
          password: 'bench-pass',
          skills: ['Sales'],
          maxChats: options.maxChats ?? -1,
        })),
        settings: { ringTimeoutSeconds: 3600, agentSessionIdleSeconds: 86_400 },
      },
    ],
  };
  writeFileSync(join(dir, 'seed.json'), JSON.stringify(seed));
  const env = {
    ...process.env,
    PORT: '0',
    PARLEY_DATABASE_URL: `sqlite:${join(dir, 'bench.db')}`,
    PARLEY_SECRET_KEY_FILE: join(dir, 'secret.key'),
    PARLEY_SEED: join(dir, 'seed.json'),
    PARLEY_LOG_LEVEL: 'info',
    PARLEY_RATE_LIMIT_ACCOUNT: '1000000/1000000',
    PARLEY_RATE_LIMIT_CREDENTIAL: '1000000/1000000',
    ...options.env,
  };
  if (options.cheapPasswords === true) {
    // Loaded only here: the other benches start without compiling the server's sources.
    const [{ openRuntime, readSeedFile }, { loadConfig }] = await Promise.all([
      import('../src/runtime.js'),
      import('../src/config.js'),
    ]);
    const runtime = await openRuntime(loadConfig({ ...env, PARLEY_LOG_LEVEL: 'silent' }), {
      scryptCost: { N: 1024, r: 8, p: 1 },
    });
    try {
      await runtime.core.seeds.apply(readSeedFile(env.PARLEY_SEED));
    } finally {
      await runtime.close();
    }
    // An empty value is no seed file: the server starts on the database as seeded.
    env.PARLEY_SEED = '';
  }
  const log = join(dir, 'parley.log');
  const logFd = openSync(log, 'w');
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, ...(options.nodeArgs ?? []), SERVER, 'serve'], {
    env,
    stdio: ['ignore', logFd, 'inherit'],
  });
  closeSync(logFd);
  const deadline = Date.now() + options.startTimeoutMs;
  for (;;) {
    const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(readFileSync(log, 'utf8'));
    if (match?.[1] !== undefined) return { child, base: match[1], appKey };
    if (child.exitCode !== null) throw new Error(`parley exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`parley did not start within ${options.startTimeoutMs / 1000} s`);
    await sleep(50);
  }
}
