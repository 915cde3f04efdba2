import type { ScryptOptions } from 'node:crypto';
import { Worker } from 'node:worker_threads';

// A plain script (no TypeScript, no ESM loader), so that it starts the same from dist/ and under tsx.
// On Linux a thread's nice value is its own: at nice 10 (a tenth of a normal thread's CPU share when
// they compete) scrypt yields to the event loop and the disk flushes without starving when the
// machine is busy with other work.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { scryptSync } = require('node:crypto');
try { require('node:os').setPriority(10); } catch { /* not permitted here: run at normal priority */ }
parentPort.on('message', ({ id, password, salt, keyLength, options }) => {
  try {
    const key = scryptSync(password, Buffer.from(salt), keyLength, options);
    parentPort.postMessage({ id, key });
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message) });
  }
});
`;

interface Reply {
  id: number;
  key?: Uint8Array;
  error?: string;
}

export interface ScryptWorker {
  /** scrypt, computed in the worker thread. */
  derive(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer>;
  close(): Promise<void>;
}

const isReply = (value: unknown): value is Reply =>
  typeof value === 'object' && value !== null && typeof Reflect.get(value, 'id') === 'number';

/**
 * scrypt in a dedicated worker thread at a low priority (nice 10), off libuv's four-thread pool, which the
 * SQLite driver's WAL flushes need (docs/adr/0008-login-throttling.md). Calls run one after another.
 * A worker that dies fails what it was computing and is started again on the next call.
 */
export function createScryptWorker(): ScryptWorker {
  let worker: Worker | undefined;
  let nextId = 0;
  const pending = new Map<number, { resolve: (key: Buffer) => void; reject: (error: Error) => void }>();

  const failAll = (error: Error) => {
    for (const call of pending.values()) call.reject(error);
    pending.clear();
  };
  const start = (): Worker => {
    const started = new Worker(WORKER_SOURCE, { eval: true });
    started.on('message', (message: unknown) => {
      if (!isReply(message)) return;
      const call = pending.get(message.id);
      pending.delete(message.id);
      // Idle: a runtime nobody closed must not keep the process alive.
      if (pending.size === 0) started.unref();
      if (call === undefined) return;
      if (message.key !== undefined) call.resolve(Buffer.from(message.key));
      else call.reject(new Error(`scrypt failed: ${message.error ?? 'unknown'}`));
    });
    // Only now: adding the 'message' listener refs the worker again.
    started.unref();
    started.once('error', (error) => failAll(error));
    started.once('exit', () => {
      if (worker === started) worker = undefined;
      failAll(new Error('the scrypt worker exited'));
    });
    return started;
  };

  return {
    derive(password, salt, keyLength, options) {
      worker ??= start();
      const running = worker;
      const id = nextId++;
      return new Promise<Buffer>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        // A hash is awaited (the CLI's `users add` has nothing else keeping it alive).
        running.ref();
        running.postMessage({ id, password, salt: new Uint8Array(salt), keyLength, options });
      });
    },
    async close() {
      const running = worker;
      worker = undefined;
      if (running !== undefined) await running.terminate();
    },
  };
}
