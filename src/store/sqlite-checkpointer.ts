import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * How often the worker copies committed pages from the WAL into the database file. Each copy ends
 * with an fsync of the database file, which delays the commits' fsyncs of the WAL on the same disk
 * for its duration: once a second keeps those delays rare while the WAL stays a few MB.
 */
const CHECKPOINT_INTERVAL_MS = 1_000;

// The worker is a plain script (no TypeScript, no ESM loader) so that it starts the same from dist/
// and under tsx. A `restart` message asks for a RESTART checkpoint, which the server sends only
// while its own connection is idle (see sqlite-wal-bound.ts); the answer says whether it completed.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('synchronous = FULL');
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy or locked: the next turn tries again.
  }
};
const restart = () => {
  try {
    const [result] = db.pragma('wal_checkpoint(RESTART)');
    return result !== undefined && result.busy === 0;
  } catch {
    return false;
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message === 'restart') {
    parentPort.postMessage(restart());
    return;
  }
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface Checkpointer {
  /**
   * Copies every frame of the WAL into the database file and waits until no one reads the WAL, so
   * that the next commit writes it again from its beginning; true when it completed, false when
   * another connection's reader or writer kept it from finishing (or the worker is gone). Call it
   * only while this process's connection has no transaction open.
   *
   * The file is not cut to nothing (TRUNCATE): the next commit overwrites blocks it already has,
   * and cuts it back to `journal_size_limit` if it was longer. Truncating a 32 MiB WAL took 16–23 ms
   * of every full checkpoint on a VM's disk, with every statement of the process waiting.
   */
  restart(): Promise<boolean>;
  stop(): Promise<void>;
}

/**
 * Checkpoints a WAL-mode SQLite database from a worker thread. SQLite otherwise checkpoints inside
 * whichever commit crosses the WAL's size limit: that commit then copies the pages and fsyncs the
 * database file on the event loop, holding up every request behind it for tens of milliseconds.
 * The caller turns automatic checkpoints off while this runs; `onFailure` is called (to turn them
 * back on) if the worker cannot start or dies.
 */
export function startCheckpointer(path: string, onFailure: () => void): Checkpointer {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      path,
      driver: createRequire(import.meta.url).resolve('better-sqlite3'),
      intervalMs: CHECKPOINT_INTERVAL_MS,
    },
  });
  let isStopping = false;
  let isGone = false;
  // The worker answers in the order it is asked.
  const answers: ((isComplete: boolean) => void)[] = [];
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('message', (isComplete: unknown) => {
    answers.shift()?.(isComplete === true);
    // Idle: a store nobody closed must not keep the process alive.
    if (answers.length === 0 && !isStopping) worker.unref();
  });
  // Only now: adding the 'message' listener refs the worker again.
  worker.unref();
  const failed = () => {
    isGone = true;
    for (const answer of answers.splice(0)) answer(false);
    if (!isStopping) onFailure();
  };
  worker.once('error', failed);
  worker.once('exit', failed);
  return {
    restart() {
      if (isGone || isStopping) return Promise.resolve(false);
      return new Promise((resolve) => {
        answers.push(resolve);
        // Writes wait for this answer: the process must not exit before it comes.
        worker.ref();
        worker.postMessage('restart');
      });
    },
    async stop() {
      isStopping = true;
      // Waiting for the exit must keep the process alive until the worker has closed its connection.
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}
