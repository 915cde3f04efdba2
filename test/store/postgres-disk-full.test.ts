import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Kysely, sql } from 'kysely';
import pg from 'pg';
import { ErrorCode, isAppError } from '../../src/core/errors.js';
import { DISK_FULL_MEMORY_MS, PostgresDiskWatch } from '../../src/store/postgres-faults.js';
import { SchemaScopedPostgresDialect } from '../../src/store/postgres-introspector.js';
import { databaseTargets, POSTGRES_URL } from '../support/databases.js';

// PostgreSQL's disk cannot be filled from a test; a DO block raising SQLSTATE 53100 (disk_full)
// makes the server send exactly the error a full disk does.

const postgres = (await databaseTargets()).find((target) => target.name === 'postgres');

describe('a PostgreSQL store whose disk is full', { skip: postgres?.unavailable }, () => {
  let now = Date.UTC(2026, 11, 6, 12, 0, 0);
  const watch = new PostgresDiskWatch(() => now);
  let db: Kysely<unknown>;

  const raise = (errcode: string) =>
    sql`do $$ begin raise exception 'refused' using errcode = ${sql.raw(`'${errcode}'`)}; end $$`.execute(db);

  before(() => {
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 });
    db = new Kysely<unknown>({ dialect: new SchemaScopedPostgresDialect({ pool }, 'public', watch) });
  });

  after(async () => {
    await db.destroy();
  });

  it('answers disk_full with a retryable UNAVAILABLE and reports disk-full for a while', async () => {
    assert.equal(watch.condition(), 'ok');
    await assert.rejects(raise('disk_full'), (error) => isAppError(error) && error.code === ErrorCode.UNAVAILABLE);
    assert.equal(watch.condition(), 'disk-full');
    now += DISK_FULL_MEMORY_MS - 1;
    assert.equal(watch.condition(), 'disk-full');
    now += 1;
    assert.equal(watch.condition(), 'ok');
  });

  it('does not report a full disk for other retryable failures', async () => {
    await assert.rejects(
      raise('serialization_failure'),
      (error) => isAppError(error) && error.code === ErrorCode.UNAVAILABLE,
    );
    assert.equal(watch.condition(), 'ok');
  });

  it('goes on answering on the same connection after a disk_full (the pool keeps it)', async () => {
    const { rows } = await sql<{ one: number }>`select 1 as one`.execute(db);
    assert.deepEqual(rows, [{ one: 1 }]);
  });
});
