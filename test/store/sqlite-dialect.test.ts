import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { ErrorCode, isChatError } from '../../src/core/errors.js';
import { PreparedSqliteDialect } from '../../src/store/sqlite-dialect.js';
import { SqliteFaults } from '../../src/store/sqlite-faults.js';

interface Tables {
  lines: { id: number; text: string };
}

describe('the SQLite driver', () => {
  let dir: string;
  let database: SQLite.Database;
  let db: Kysely<Tables>;
  /** What happened, in order: statements completed (as Kysely logs them), flushes begun and ended. */
  const log: string[] = [];
  let release: () => void = () => undefined;
  let gate: Promise<void> = Promise.resolve();
  let failNextFlush = false;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-dialect-'));
    database = new SQLite(join(dir, 'test.db'));
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    const flush = async () => {
      log.push('flush');
      await gate;
      if (failNextFlush) {
        failNextFlush = false;
        log.push('failed');
        throw new Error('EIO: the disk refused');
      }
      log.push('flushed');
    };
    db = new Kysely<Tables>({
      dialect: new PreparedSqliteDialect(database, flush),
      log: (event) => {
        log.push(event.query.sql.split(' ')[0] ?? '');
      },
    });
    await sql`create table lines (id integer primary key, text text not null)`.execute(db);
  });
  after(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const settled = () => new Promise((resolve) => setImmediate(resolve));

  // Each test starts once the last one's statements have all been logged, with an empty log.
  beforeEach(async () => {
    await settled();
    log.length = 0;
  });
  const pause = () => new Promise((resolve) => setTimeout(resolve, 20));

  /** Holds the flushes from now on until `release()`. */
  const holdFlushes = () => {
    gate = new Promise((resolve) => (release = resolve));
  };

  /** Whether the promise has settled yet. */
  const tracked = <T>(promise: Promise<T>) => {
    const state = { isSettled: false };
    void promise.then(
      () => (state.isSettled = true),
      () => (state.isSettled = true),
    );
    return state;
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

  it('fails the commit and the reads that saw it when its flush fails, and flushes later commits again', async () => {
    holdFlushes();
    failNextFlush = true;
    const lost = db.insertInto('lines').values({ id: 30, text: 'thirty' }).execute();
    await pause();
    const read = db.selectFrom('lines').select('id').where('id', '=', 30).execute();
    void read.catch(() => undefined);
    await pause();
    release();
    await assert.rejects(lost, /EIO/);
    await assert.rejects(read, /EIO/);
    await db.insertInto('lines').values({ id: 31, text: 'thirty-one' }).execute();
    await settled();
    // Kysely logs failed statements too.
    assert.deepEqual(log, ['flush', 'failed', 'insert', 'select', 'flush', 'flushed', 'insert']);
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
  let dir: string;
  let database: SQLite.Database;
  let db: Kysely<Tables>;
  const log: string[] = [];
  let isOverHighWater = false;
  let releaseCheckpoint: () => void = () => undefined;
  let checkpointGate: Promise<void> = Promise.resolve();
  const translated: unknown[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-dialect-'));
    database = new SQLite(join(dir, 'test.db'));
    database.pragma('journal_mode = WAL');
    const faults = new SqliteFaults(dir, async () => 0);
    db = new Kysely<Tables>({
      dialect: new PreparedSqliteDialect(database, undefined, {
        walBound: {
          isOverHighWater: () => isOverHighWater,
          checkpoint: async () => {
            log.push(database.inTransaction ? 'checkpoint in a transaction' : 'checkpoint');
            await checkpointGate;
            log.push('checkpointed');
          },
        },
        translateError: (error) => {
          const reported = faults.translate(error);
          translated.push(reported);
          return reported;
        },
      }),
      log: (event) => {
        log.push(event.query.sql.split(' ')[0] ?? '');
      },
    });
    await sql`create table lines (id integer primary key, text text not null)`.execute(db);
  });
  after(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    log.length = 0;
  });

  const pause = () => new Promise((resolve) => setTimeout(resolve, 20));
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
    await assert.rejects(refused, (error) => isChatError(error) && error.code === ErrorCode.UNAVAILABLE);
    assert.ok(isChatError(inside) && inside.code === ErrorCode.UNAVAILABLE && inside.retryAfterMs !== undefined);
    assert.deepEqual(ids(), [1, 2, 3]);
    database.pragma('max_page_count = 1073741823');
    await db.insertInto('lines').values({ id: 13, text: 'thirteen' }).execute();
    assert.deepEqual(ids(), [1, 2, 3, 13]);
  });

  it('leaves a refusal that is no fault of the disk as SQLite reported it', async () => {
    await assert.rejects(
      db.insertInto('lines').values({ id: 13, text: 'again' }).execute(),
      (error) => !isChatError(error) && /UNIQUE constraint failed/.test(String(error)),
    );
  });
});
