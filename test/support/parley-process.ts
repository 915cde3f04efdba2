import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AgentClient, VisitorClient } from '../../packages/sdk/src/index.js';
import { visitorClient } from './chat-clients.js';
import { eventually } from './eventually.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** `parley serve` as a child process, as an operator runs it. */
export interface ParleyProcess {
  child: ChildProcess;
  /** The URL it listens on, from its log. */
  url: string;
  /** Its standard output so far (JSON log lines). */
  output(): string;
  /** Resolves once a log line matches `pattern`. */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** How it exited: code, signal, and when (Date.now()). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** Kills it if it is still running (cleanup). */
  kill(): void;
}

/** The environment of a `parley serve` on the database and key file in `dir`, any free port, info logs. */
export const serveEnvironment = (dir: string, env: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  PORT: '0',
  HOST: '127.0.0.1',
  PARLEY_DATABASE_URL: `sqlite:${join(dir, 'parley.db')}`,
  PARLEY_SECRET_KEY_FILE: join(dir, 'secret.key'),
  PARLEY_LOG_LEVEL: 'info',
  ...env,
});

/**
 * Starts `parley serve` on the database and key file in `dir`, on a port the system picks, and
 * waits (generously) for it to listen.
 */
export async function startParley(dir: string, env: Record<string, string> = {}): Promise<ParleyProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/parley.ts', 'serve'], {
    cwd: ROOT,
    env: serveEnvironment(dir, env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let errors = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (errors += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() }));
  });
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  const listening = /"msg":"Server listening at (http:\/\/[^"]+)"/;
  // A start through tsx takes seconds, and over a minute on a heavily loaded machine.
  await eventually('parley serve to listen', () => listening.test(output) || hasExited, { timeoutMs: 180_000 });
  const url = listening.exec(output)?.[1];
  if (url === undefined) throw new Error(`parley serve did not start:\n${output}\n${errors}`);
  return {
    child,
    url,
    output: () => output,
    waitForLog: (pattern, timeoutMs = 60_000) =>
      eventually(`log ${String(pattern)}`, () => pattern.test(output), { timeoutMs }),
    exited,
    kill: () => {
      if (!hasExited) child.kill('SIGKILL');
    },
  };
}

/** The demo account `parley serve` creates on first run, and its visitor app key (seeds/demo.json). */
export const DEMO_ACCOUNT = '41325501';
export const DEMO_APP_KEY = 'a7847cc4c098c5b6faaa26f2af8c4a72';

/**
 * Fresh directories and `parley serve` processes for one test file: whatever is still running is
 * killed and every directory removed after the file's tests.
 */
export function parleyProcesses(prefix: string) {
  const dirs: string[] = [];
  const processes: ParleyProcess[] = [];
  after(() => {
    for (const running of processes) running.kill();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  return {
    /** A new empty directory for a database and key file. */
    freshDir(): string {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(dir);
      return dir;
    },
    /** `parley serve` on the database in `dir` (see startParley), killed after the file if still running. */
    async start(dir: string, env: Record<string, string> = {}): Promise<ParleyProcess> {
      const running = await startParley(dir, env);
      processes.push(running);
      return running;
    },
  };
}

/** The visitor side of the demo account on a running `parley serve`. */
export const demoVisitor = (baseUrl: string) => visitorClient(baseUrl, DEMO_ACCOUNT, DEMO_APP_KEY);

/** On the demo account: alice logs in and goes Online, a visitor starts a Sales chat, alice accepts it. Its id. */
export async function demoChatAccepted(baseUrl: string): Promise<string> {
  const alice = await AgentClient.login({
    baseUrl,
    accountId: DEMO_ACCOUNT,
    username: 'alice',
    password: 'alice-demo-pass',
  });
  await alice.setAvailability('Online');
  const visitor = await VisitorClient.startChat({
    baseUrl,
    accountId: DEMO_ACCOUNT,
    appKey: DEMO_APP_KEY,
    skill: 'Sales',
    keepAliveMs: 0,
  });
  assert.ok((await alice.acceptNext()) !== null, 'the chat rang at alice');
  return visitor.id;
}
