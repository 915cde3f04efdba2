import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

/**
 * Starts `parley serve` on the database and key file in `dir`, on a port the system picks, and
 * waits (generously) for it to listen.
 */
export async function startParley(dir: string, env: Record<string, string> = {}): Promise<ParleyProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/parley.ts', 'serve'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      PARLEY_DATABASE_URL: `sqlite:${join(dir, 'parley.db')}`,
      PARLEY_SECRET_KEY_FILE: join(dir, 'secret.key'),
      PARLEY_LOG_LEVEL: 'info',
      ...env,
    },
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
  await eventually('parley serve to listen', () => listening.test(output) || hasExited, { timeoutMs: 60_000 });
  const url = listening.exec(output)?.[1];
  if (url === undefined) throw new Error(`parley serve did not start:\n${output}\n${errors}`);
  return {
    child,
    url,
    output: () => output,
    waitForLog: (pattern, timeoutMs = 30_000) =>
      eventually(`log ${String(pattern)}`, () => pattern.test(output), { timeoutMs }),
    exited,
    kill: () => {
      if (!hasExited) child.kill('SIGKILL');
    },
  };
}
