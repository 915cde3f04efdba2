import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { eventually } from './eventually.js';
import { freePort } from './free-port.js';

/** A `redis-server` of a test's own on a loopback port: never the machine's shared one. */
export interface PrivateRedis {
  url: string;
  port: number;
  /** Stops it (SIGTERM, waits for the exit); its data goes with it. */
  stop(): Promise<void>;
  /** Starts it again on the same port (empty: it keeps nothing on disk). */
  start(): Promise<void>;
}

/** Whether `redis-server` answers PING on `port`. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    socket.setEncoding('utf8');
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: string) => {
      reply += chunk;
      if (reply.includes('\r\n')) {
        socket.destroy();
        resolve(reply.startsWith('+PONG'));
      }
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts a private `redis-server` (no persistence, loopback only) and waits until it answers. */
export async function startRedisServer(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const killOnExit = () => child?.kill('SIGKILL');
  process.once('exit', killOnExit);

  const start = async () => {
    const running = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'],
      { stdio: ['ignore', 'ignore', 'pipe'], detached: false },
    );
    child = running;
    let hasExited = false;
    exited = new Promise((resolve) =>
      running.once('exit', () => {
        hasExited = true;
        resolve();
      }),
    );
    await eventually(`redis-server on port ${port} to answer PING`, async () => {
      if (hasExited) throw new Error(`redis-server on port ${port} exited at start`);
      return answersPing(port);
    });
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      child?.kill('SIGTERM');
      await exited;
      child = undefined;
    },
    start,
  };
}
