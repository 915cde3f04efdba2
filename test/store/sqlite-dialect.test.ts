import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { PreparedSqliteDialect } from '../../src/store/sqlite-dialect.js';

interface Tables {
  lines: { id: number; text: string };
}

describe('the SQLite driver', () => {
  let dir: string;
  let database: SQLite.Database;
  let db: Kysely<Tables>;
  /** What happened, in order: statements run, flushes begun and ended. */
  const log: string[] = [];
  let release: () => void = () => undefined;
  let gate: Promise<void> = Promise.resolve();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-dialect-'));
    database = new SQLite(join(dir, 'test.db'));
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    const flush = async () => {
      log.push('flush');
      await gate;
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

  /** Holds the next flushes until `release()`. */
  const holdFlushes = () => {
    gate = new Promise((resolve) => (release = resolve));
  };

  it('answers a transaction only once its commit is flushed, and runs nothing else meanwhile', async () => {
    log.length = 0;
    holdFlushes();
    const committed = db.transaction().execute(async (tx) => {
      await tx.insertInto('lines').values({ id: 1, text: 'one' }).execute();
    });
    let isCommitted = false;
    void committed.then(() => (isCommitted = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    // A read waits for the connection, which the unflushed commit still holds.
    const read = db.selectFrom('lines').selectAll().execute();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const whileHeld = [...log];
    release();
    assert.equal(isCommitted, false);
    assert.deepEqual(whileHeld, ['begin', 'insert', 'flush']);
    await committed;
    assert.deepEqual(await read, [{ id: 1, text: 'one' }]);
    await settled();
    // Kysely logs a statement once it has completed: the commit after its flush.
    assert.deepEqual(log, ['begin', 'insert', 'flush', 'flushed', 'commit', 'select']);
  });

  it('flushes a write made on its own, and neither reads nor statements inside a transaction', async () => {
    await settled();
    log.length = 0;
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
});
