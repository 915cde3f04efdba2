import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Kysely } from 'kysely';
import pg from 'pg';
import { openStore } from '../../src/store/open-store.js';
import { SchemaScopedPostgresDialect } from '../../src/store/postgres-introspector.js';
import { databaseTargets, POSTGRES_URL } from '../support/databases.js';

// Migrating one schema while another connection creates and drops other schemas: what test suites
// side by side, or a shared database whose tenants come and go, do to a starting Parley.

const postgres = (await databaseTargets()).find((target) => target.name === 'postgres');

/** A Kysely on `schema` with Parley's dialect, to read what the migrations made. */
function inspect(schema: string) {
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 1, options: `-c search_path=${schema}` });
  return new Kysely<unknown>({ dialect: new SchemaScopedPostgresDialect({ pool }, schema) });
}

const schemaOf = (location: { kind: string; schema?: string }): string => location.schema ?? 'public';

describe('PostgreSQL migrations beside schemas being dropped', { skip: postgres?.unavailable }, () => {
  const churn = new pg.Client({ connectionString: POSTGRES_URL });
  let churning = true;
  let churned = 0;
  let churnLoop: Promise<void>;

  before(async () => {
    await churn.connect();
    churnLoop = (async () => {
      while (churning) {
        const schema = `parley_churn_${randomBytes(6).toString('hex')}`;
        await churn.query(
          `create schema ${schema}; create table ${schema}.t (id serial primary key, note text); create table ${schema}.u (id int)`,
        );
        await churn.query(`drop schema ${schema} cascade`);
        churned += 1;
      }
    })();
  });
  after(async () => {
    churning = false;
    await churnLoop;
    await churn.end();
  });

  it('migrates every fresh schema, and again as a no-op', async () => {
    for (let round = 0; round < 12; round += 1) {
      const database = await postgres!.create();
      const opened = openStore(database.location, { poolSize: 2 });
      const db = inspect(schemaOf(database.location));
      try {
        await opened.migrate();
        await opened.migrate();
        const tables = await db.introspection.getTables();
        assert.ok(
          tables.some((table) => table.name === 'chats'),
          `round ${round}: ${tables.map((table) => table.name).join(', ')}`,
        );
        assert.ok(tables.every((table) => table.schema === schemaOf(database.location)));
        assert.ok(!tables.some((table) => table.name.startsWith('kysely_migration')));
        const withInternal = await db.introspection.getTables({ withInternalKyselyTables: true });
        assert.ok(withInternal.some((table) => table.name === 'kysely_migration'));
      } finally {
        await db.destroy();
        await opened.store.close();
        await database.drop();
      }
    }
    assert.ok(churned > 12, `only ${churned} schemas were dropped alongside`);
  });

  it('describes columns: identity, nullability and defaults', async () => {
    const database = await postgres!.create();
    const schema = schemaOf(database.location);
    const db = inspect(schema);
    try {
      await db.schema
        .createTable('probe')
        .addColumn('id', 'serial', (column) => column.primaryKey())
        .addColumn('named', 'text', (column) => column.notNull().defaultTo('x'))
        .addColumn('maybe', 'bigint')
        .execute();
      const probe = (await db.introspection.getTables()).find((table) => table.name === 'probe');
      assert.deepEqual(
        probe?.columns.map(({ name, dataType, isNullable, hasDefaultValue, isAutoIncrementing }) => ({
          name,
          dataType,
          isNullable,
          hasDefaultValue,
          isAutoIncrementing,
        })),
        [
          { name: 'id', dataType: 'int4', isNullable: false, hasDefaultValue: true, isAutoIncrementing: true },
          { name: 'named', dataType: 'text', isNullable: false, hasDefaultValue: true, isAutoIncrementing: false },
          { name: 'maybe', dataType: 'int8', isNullable: true, hasDefaultValue: false, isAutoIncrementing: false },
        ],
      );
      assert.equal(probe?.schema, schema);
    } finally {
      await db.destroy();
      await database.drop();
    }
  });
});
