import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { ErrorCode, isAppError } from '../../src/core/errors.js';
import { PreparedSqliteDialect, type SqliteDriverOptions } from '../../src/store/sqlite-dialect.js';
import { SqliteFaults } from '../../src/store/sqlite-faults.js';

interface Tables {
  lines: { id: number; text: string };
}

interface TestDriver {
  dir: string;
  database: SQLite.Database;
  db: Kysely<Tables>;
  /** Statements completed, as Kysely logs them (their first word), and whatever the test adds. */
  log: string[];
  close(): Promise<void>;
}

/** A WAL database in its own temporary directory behind the driver, with one table `lines`. */
async function openTestDriver(
  flush: (() => Promise<void>) | undefined,
  options: (dir: string, database: SQLite.Database) => SqliteDriverOptions = () => ({}),
): Promise<TestDriver> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-dialect-'));
  const database = new SQLite(join(dir, 'test.db'));
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  const log: string[] = [];
  const db = new Kysely<Tables>({
    dialect: new PreparedSqliteDialect(database, flush, options(dir, database)),
    log: (event) => {
      log.push(event.query.sql.split(' ')[0] ?? '');
    },
  });
  await sql`create table lines (id integer primary key, text text not null)`.execute(db);
  return {
    dir,
    database,
    db,
    log,
    async close() {
      await db.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const pause = () => new Promise((resolve) => setTimeout(resolve, 20));

/** Whether the promise has settled yet. */
const tracked = (promise: Promise<unknown>) => {
  const state = { isSettled: false };
  void promise.then(
    () => (state.isSettled = true),
    () => (state.isSettled = true),
  );
  return state;
};

describe('the SQLite driver', () => {
  let driver: TestDriver;
  let database: SQLite.Database;
  let db: Kysely<Tables>;
  /** What happened, in order: statements completed (as Kysely logs them), flushes begun and ended. */
  let log: string[];
  let release: () => void = () => undefined;
  let gate: Promise<void> = Promise.resolve();

  before(async () => {
    driver = await openTestDriver(async () => {
      log.push('flush');
      await gate;
      log.push('flushed');
    });
    ({ database, db, log } = driver);
  });
  after(() => driver.close());

  const settled = () => new Promise((resolve) => setImmediate(resolve));

  // Each test starts once the last one's statements have all been logged, with an empty log.
  beforeEach(async () => {
    await settled();
    log.length = 0;
  });
  /** Holds the flushes from now on until `release()`. */
  const holdFlushes = () => {
    gate = new Promise((resolve) => (release = resolve));
  };

  it('answers a commit, and a read that sees it, only once the commit is flushed', async () => {
    holdFlushes();
    const committed = db.transaction().execute(async (tx) => {
      await tx.insertInto('lines').values({ id: 1, text: 'one' }).execute();
    });
    const commit = tracked(committed);
    await pause();
    // The read runs at once (the connection is free) but waits for the disk before it answers.
    const read = db.selectFrom('lines').selectAll().execute();
    const reading = tracked(read);
    await pause();
    assert.equal(commit.isSettled, false);
    assert.equal(reading.isSettled, false);
    assert.deepEqual(log, ['begin', 'insert', 'flush']);
    release();
    await committed;
    assert.deepEqual(await read, [{ id: 1, text: 'one' }]);
    await settled();
    assert.deepEqual(log, ['begin', 'insert', 'flush', 'flushed', 'commit', 'select']);
  });

  it('covers the commits made while a flush runs with one more flush (group commit)', async () => {
    holdFlushes();
    const first = db.insertInto('lines').values({ id: 10, text: 'ten' }).execute();
    await pause();
    // Made while the first flush is held: none waits for the connection, all for one next flush.
    const rest = [11, 12, 13].map((id) =>
      db
        .insertInto('lines')
        .values({ id, text: String(id) })
        .execute(),
    );
    const others = rest.map(tracked);
    await pause();
    assert.deepEqual(log, ['flush']);
    assert.deepEqual(
      database.prepare('select id from lines where id >= 10 order by id').pluck().all(),
      [10, 11, 12, 13],
    );
    // The first flush ends; the second, for 11–13, is held in turn.
    const releaseFirst = release;
    holdFlushes();
    releaseFirst();
    await first;
    await pause();
    assert.ok(others.every((state) => !state.isSettled));
    assert.deepEqual(log, ['flush', 'flushed', 'flush', 'insert']);
    release();
    await Promise.all(rest);
    await settled();
    assert.deepEqual(log, ['flush', 'flushed', 'flush', 'insert', 'flushed', 'insert', 'insert', 'insert']);
  });

  it('flushes a write made on its own, and neither reads nor statements inside a transaction', async () => {
    await db.updateTable('lines').set({ text: 'uno' }).where('id', '=', 1).execute();
    await db.updateTable('lines').set({ text: 'none' }).where('id', '=', 99).execute();
    await db.selectFrom('lines').selectAll().execute();
    await db.transaction().execute(async (tx) => {
      await tx.insertInto('lines').values({ id: 2, text: 'two' }).execute();
      await tx.insertInto('lines').values({ id: 3, text: 'three' }).execute();
    });
    await assert.rejects(
      db.transaction().execute(async (tx) => {
        await tx.insertInto('lines').values({ id: 4, text: 'four' }).execute();
        throw new Error('no');
      }),
    );
    await settled();
    assert.deepEqual(log, [
      'flush',
      'flushed',
      'update',
      'update',
      'select',
      'begin',
      'insert',
      'insert',
      'flush',
      'flushed',
      'commit',
      'begin',
      'insert',
      'rollback',
    ]);
  });

  it('flushes a transaction that wrote, a schema change too, and not one that only read', async () => {
    await db.transaction().execute(async (tx) => {
      await tx.selectFrom('lines').selectAll().execute();
    });
    await db.transaction().execute(async (tx) => {
      await sql`create table notes (id integer primary key)`.execute(tx);
    });
    await settled();
    assert.deepEqual(log, ['begin', 'select', 'commit', 'begin', 'create', 'flush', 'flushed', 'commit']);
  });

  it('refuses a statement only once the commit its refusal rests on is flushed', async () => {
    holdFlushes();
    const inserted = db.insertInto('lines').values({ id: 20, text: 'twenty' }).execute();
    await pause();
    const duplicate = db.insertInto('lines').values({ id: 20, text: 'again' }).execute();
    const refusal = tracked(duplicate);
    await pause();
    assert.equal(refusal.isSettled, false);
    release();
    await inserted;
    await assert.rejects(duplicate, /UNIQUE constraint failed/);
  });

  it('runs several statements on one acquisition in order, each taking its turn (as the migrator does)', async () => {
    const ids = await db.connection().execute(async (connection) => {
      await connection.insertInto('lines').values({ id: 40, text: 'forty' }).execute();
      const between = db.insertInto('lines').values({ id: 41, text: 'forty-one' }).execute();
      await connection.insertInto('lines').values({ id: 42, text: 'forty-two' }).execute();
      await between;
      return connection.selectFrom('lines').select('id').where('id', '>=', 40).orderBy('id').execute();
    });
    assert.deepEqual(
      ids.map((row) => row.id),
      [40, 41, 42],
    );
    // The connection is free afterwards.
    assert.equal((await db.selectFrom('lines').select('id').where('id', '=', 42).execute()).length, 1);
  });
});

describe('the SQLite driver keeping the WAL bounded and faults retryable', () => {
  let driver: TestDriver;
  let database: SQLite.Database;
  let db: Kysely<Tables>;
  let log: string[];
  let isOverHighWater = false;
  let releaseCheckpoint: () => void = () => undefined;
  let checkpointGate: Promise<void> = Promise.resolve();

  before(async () => {
    driver = await openTestDriver(undefined, (dir, opened) => {
      const faults = new SqliteFaults(dir, async () => 0);
      return {
        walBound: {
          isOverHighWater: () => isOverHighWater,
          checkpoint: async () => {
            log.push(opened.inTransaction ? 'checkpoint in a transaction' : 'checkpoint');
            await checkpointGate;
            log.push('checkpointed');
          },
        },
        translateError: (error) => faults.translate(error),
      };
    });
    ({ database, db, log } = driver);
    log.length = 0;
  });
  after(() => driver.close());
  beforeEach(() => {
    log.length = 0;
  });

  const ids = () => database.prepare('select id from lines order by id').pluck().all();

  it('checkpoints after the commit that passes the high-water mark, with no transaction open, before anyone waiting', async () => {
    checkpointGate = new Promise((resolve) => (releaseCheckpoint = resolve));
    let openTransaction: () => void = () => undefined;
    const transactionGate = new Promise<void>((resolve) => (openTransaction = resolve));
    const transaction = db.transaction().execute(async (tx) => {
      await tx.insertInto('lines').values({ id: 1, text: 'one' }).execute();
      await transactionGate;
    });
    await pause();
    // Waits for the connection while the transaction holds it.
    const waiting = db.insertInto('lines').values({ id: 2, text: 'two' }).execute();
    let hasWaitingRun = false;
    void waiting.then(() => (hasWaitingRun = true));
    isOverHighWater = true;
    openTransaction();
    await transaction;
    isOverHighWater = false;
    await pause();
    // The commit has run when the checkpoint starts; Kysely logs it once its promise settles, after.
    assert.deepEqual(log, ['begin', 'insert', 'checkpoint', 'commit']);
    assert.equal(hasWaitingRun, false);
    assert.deepEqual(ids(), [1]);
    releaseCheckpoint();
    await waiting;
    assert.deepEqual(log, ['begin', 'insert', 'checkpoint', 'commit', 'checkpointed', 'insert']);
    assert.deepEqual(ids(), [1, 2]);
  });

  it('runs no checkpoint while the WAL is below its high-water mark', async () => {
    await db.insertInto('lines').values({ id: 3, text: 'three' }).execute();
    assert.deepEqual(log, ['insert']);
  });

  it('refuses the rest of a transaction SQLite rolled back for want of space, stores none of it, and goes on', async () => {
    const pageCount = database.pragma('page_count', { simple: true });
    assert.equal(typeof pageCount, 'number');
    database.pragma(`max_page_count = ${Number(pageCount) + 1}`);
    let inside: unknown;
    const refused = db.transaction().execute(async (tx) => {
      await tx.insertInto('lines').values({ id: 10, text: 'ten' }).execute();
      try {
        await tx
          .insertInto('lines')
          .values({ id: 11, text: 'x'.repeat(100_000) })
          .execute();
      } catch (error) {
        // A careless caller carries on: what follows must not be stored on its own.
        inside = error;
      }
      await tx.insertInto('lines').values({ id: 12, text: 'twelve' }).execute();
    });
    await assert.rejects(refused, (error) => isAppError(error) && error.code === ErrorCode.UNAVAILABLE);
    assert.ok(isAppError(inside) && inside.code === ErrorCode.UNAVAILABLE && inside.retryAfterMs !== undefined);
    assert.deepEqual(ids(), [1, 2, 3]);
    database.pragma('max_page_count = 1073741823');
    await db.insertInto('lines').values({ id: 13, text: 'thirteen' }).execute();
    assert.deepEqual(ids(), [1, 2, 3, 13]);
  });

  it('leaves a refusal that is no fault of the disk as SQLite reported it', async () => {
    await assert.rejects(
      db.insertInto('lines').values({ id: 13, text: 'again' }).execute(),
      (error) => !isAppError(error) && /UNIQUE constraint failed/.test(String(error)),
    );
  });
});

describe('the SQLite driver after a flush fails', () => {
  const diskFault = () => Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
  const isUnavailable = (error: unknown) => isAppError(error) && error.code === ErrorCode.UNAVAILABLE;
  const isStopped = (error: unknown) => isUnavailable(error) && /restart the server/.test(String(error));

  /** A driver whose flushes wait for `release(failing)` and then succeed or fail. */
  async function withHeldFlushes() {
    let release: (failing: boolean) => void = () => undefined;
    let gate = new Promise<boolean>((resolve) => (release = resolve));
    const driver = await openTestDriver(
      async () => {
        driver.log.push('flush');
        const failing = await gate;
        gate = new Promise<boolean>((resolve) => (release = resolve));
        if (failing) {
          driver.log.push('failed');
          throw diskFault();
        }
        driver.log.push('flushed');
      },
      (dir) => {
        const faults = new SqliteFaults(dir, async () => Number.POSITIVE_INFINITY);
        return { translateError: (error) => faults.translate(error) };
      },
    );
    driver.log.length = 0;
    return { driver, release: (failing: boolean) => release(failing) };
  }
  const ids = (database: SQLite.Database) => database.prepare('select id from lines order by id').pluck().all();

  it('fails the commits and reads waiting for it, and refuses every statement after until restart', async () => {
    const { driver, release } = await withHeldFlushes();
    const { db, log, database } = driver;
    try {
      const lost = db.insertInto('lines').values({ id: 30, text: 'thirty' }).execute();
      await pause();
      const read = db.selectFrom('lines').select('id').where('id', '=', 30).execute();
      // Made while the failing flush runs: the next flush would have covered it.
      const meanwhile = db.insertInto('lines').values({ id: 32, text: 'thirty-two' }).execute();
      const waiting = [read, meanwhile].map(tracked);
      await pause();
      assert.ok(waiting.every((state) => !state.isSettled));
      release(true);
      await assert.rejects(lost, isUnavailable);
      await assert.rejects(read, isUnavailable);
      await assert.rejects(meanwhile, isUnavailable);
      // A later flush succeeding would prove nothing for pages the kernel may have dropped.
      await assert.rejects(db.insertInto('lines').values({ id: 31, text: 'thirty-one' }).execute(), isStopped);
      await assert.rejects(db.selectFrom('lines').select('id').execute(), isStopped);
      await assert.rejects(
        db.transaction().execute((tx) => tx.selectFrom('lines').selectAll().execute()),
        isStopped,
      );
      assert.deepEqual(ids(database), [30, 32]);
      assert.equal(log.filter((entry) => entry === 'flush').length, 1);
      assert.equal(database.inTransaction, false);
    } finally {
      await driver.close();
    }
  });

  it("answers UNAVAILABLE for a transaction whose commit's flush fails, not SQLite's rollback error", async () => {
    const { driver, release } = await withHeldFlushes();
    const { db, database } = driver;
    try {
      const committed = db.transaction().execute(async (tx) => {
        await tx.insertInto('lines').values({ id: 1, text: 'one' }).execute();
      });
      await pause();
      // Begun after that commit and open when its flush fails: rolled back, with the reason.
      let goOn: () => void = () => undefined;
      const held = new Promise<void>((resolve) => (goOn = resolve));
      const open = db.transaction().execute(async (tx) => {
        await tx.insertInto('lines').values({ id: 2, text: 'two' }).execute();
        await held;
        await tx.insertInto('lines').values({ id: 3, text: 'three' }).execute();
      });
      await pause();
      release(true);
      goOn();
      // The flush's own fault, not what a `rollback` sent after the commit would have said.
      await assert.rejects(
        committed,
        (error) => isUnavailable(error) && /could not reach its disk/.test(String(error)),
      );
      await assert.rejects(open, isStopped);
      assert.equal(database.inTransaction, false);
      assert.deepEqual(ids(database), [1]);
    } finally {
      await driver.close();
    }
  });
});
