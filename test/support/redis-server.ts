import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireServices } from './databases.js';
import { freePort } from './free-port.js';

/**
 * A private redis-server for the tests that need Redis: never the shared one on 6379, so that no
 * test sees another's keys or messages, and an outage test may stop and start it.
 */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Stops it (SIGKILL: nothing is saved, clients see their connections drop) and waits for the exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty, once it answers PING. */
  start(): Promise<void>;
  /** Stops it for good and removes its directory. */
  close(): Promise<void>;
}

/** Every server still running, killed if the test process exits without closing them. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export const REDIS_SERVER_BINARY = process.env.PARLEY_TEST_REDIS_SERVER ?? '/usr/bin/redis-server';

/**
 * Why Redis-backed tests cannot run here, or undefined when they can. With
 * PARLEY_TEST_REQUIRE_SERVICES=1 (CI) a missing binary fails instead, as a missing PostgreSQL does.
 */
export function redisUnavailable(): string | undefined {
  if (existsSync(REDIS_SERVER_BINARY)) return undefined;
  const problem = `${REDIS_SERVER_BINARY} is not installed`;
  if (requireServices) throw new Error(`${problem}; PARLEY_TEST_REQUIRE_SERVICES=1 requires it`);
  return problem;
}

/** Whether a PING on a fresh connection is answered with PONG within a second. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let received = '';
    const done = (isUp: boolean) => {
      socket.destroy();
      resolve(isUp);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (received.includes('\r\n')) done(received.startsWith('+PONG'));
    });
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
  });
}

/** Starts a private redis-server on a free loopback port, in a temporary directory. */
export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'parley-redis-'));
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let output = '';

  const start = async () => {
    if (child !== undefined) throw new Error('redis-server is already running');
    output = '';
    const started = spawn(
      REDIS_SERVER_BINARY,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = started;
    running.add(started);
    exited = new Promise((resolve) => started.once('exit', () => resolve()));
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4_000);
    };
    started.stdout?.on('data', keep);
    started.stderr?.on('data', keep);
    let hasExited = false;
    void exited.then(() => {
      hasExited = true;
      running.delete(started);
      if (child === started) child = undefined;
    });
    // Generous: on a busy machine a start may take seconds.
    const deadline = Date.now() + 30_000;
    while (!(await answersPing(port))) {
      if (hasExited) throw new Error(`redis-server on port ${port} exited at start:\n${output}`);
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  const stop = async () => {
    if (child === undefined) return;
    child.kill('SIGKILL');
    await exited;
  };

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    stop,
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
