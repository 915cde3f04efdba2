import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { ErrorCode, isAppError } from '../../src/core/errors.js';
import { openPostgres } from '../../src/store/open-postgres.js';
import { openStore } from '../../src/store/open-store.js';
import { StatementNames } from '../../src/store/postgres-statements.js';
import { databaseTargets } from '../support/databases.js';

describe('names for the statements run again and again', () => {
  it('names a text the second time it is seen, keeps that name, and names no more than its limit', () => {
    const names = new StatementNames(2);
    assert.equal(names.nameOf('select 1'), undefined, 'a text seen once may never come back');
    const first = names.nameOf('select 1');
    assert.ok(first !== undefined);
    assert.equal(names.nameOf('select 1'), first);
    names.nameOf('select 2');
    const second = names.nameOf('select 2');
    assert.ok(second !== undefined && second !== first);
    names.nameOf('select 3');
    assert.equal(names.nameOf('select 3'), undefined, 'past the limit, texts go unnamed');
    assert.equal(names.nameOf('select 2'), second);
  });
});

const postgres = (await databaseTargets()).find((target) => target.name === 'postgres');

describe(
  'prepared statements on PostgreSQL',
  { skip: postgres === undefined ? 'no postgres target' : postgres.unavailable },
  () => {
    it('prepares a repeated statement once per connection, and survives a schema change under it', async () => {
      assert.ok(postgres !== undefined);
      const database = await postgres.create();
      assert.equal(database.location.kind, 'postgres');
      const migrated = openStore(database.location);
      await migrated.migrate();
      await migrated.store.close();
      // One connection, so that every statement below runs on it (until it is discarded).
      const { db } = openPostgres({ ...database.location, log: undefined, poolSize: 1, timeouts: undefined });
      const outside = new pg.Client({ connectionString: database.location.url });
      try {
        const readAccounts = () => db.selectFrom('accounts').selectAll().where('id', '=', '12345678').execute();
        for (let i = 0; i < 3; i += 1) assert.deepEqual(await readAccounts(), []);
        const prepared = async () =>
          (await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(db)).rows.map(
            (row) => row.statement,
          );
        assert.equal(
          (await prepared()).filter((statement) => statement.includes('from "accounts"')).length,
          1,
          'prepared once, on the second run, and used by the third',
        );

        // Another node migrates: the prepared `select *` no longer matches the table.
        await outside.connect();
        await outside.query(
          `alter table ${database.location.schema ?? 'public'}.accounts add column added_later integer`,
        );
        await assert.rejects(
          readAccounts(),
          (error: unknown) => isAppError(error) && error.code === ErrorCode.UNAVAILABLE,
        );
        assert.deepEqual(await readAccounts(), [], 'a fresh connection prepares it anew');
      } finally {
        await outside.end();
        await db.destroy();
        await database.drop();
      }
    });
  },
);
