import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';
import { CompiledOnce } from '../../src/store/compiled-once.js';

interface Tables {
  chat_events: { account_id: string; chat_id: string; id: number; sub_type: string | null };
}

/** A Kysely that compiles for `dialect` and runs nothing. */
function compilerOf(dialect: 'sqlite' | 'postgres'): Kysely<Tables> {
  return new Kysely<Tables>({
    dialect: {
      createAdapter: () => (dialect === 'sqlite' ? new SqliteAdapter() : new PostgresAdapter()),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => (dialect === 'sqlite' ? new SqliteIntrospector(db) : new PostgresIntrospector(db)),
      createQueryCompiler: () => (dialect === 'sqlite' ? new SqliteQueryCompiler() : new PostgresQueryCompiler()),
    },
  });
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`statements compiled once (${dialect})`, () => {
    const db = compilerOf(dialect);
    const built = (accountId: string, chatId: string, from: number) =>
      db
        .selectFrom('chat_events')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('chat_id', '=', chatId)
        .where('id', '>=', from)
        .where((eb) => eb.or([eb('sub_type', 'is', null), eb('sub_type', '!=', 'ONLY_TO_REP')]))
        .orderBy('id')
        .compile();

    it('builds a shape once, and gives each use the text and parameters the builder would', () => {
      const statements = new CompiledOnce();
      let builds = 0;
      const query = (accountId: string, chatId: string, from: number) =>
        statements.query('events', [accountId, chatId, from], (param) => {
          builds += 1;
          return db
            .selectFrom('chat_events')
            .selectAll()
            .where('account_id', '=', param<string>(0))
            .where('chat_id', '=', param<string>(1))
            .where('id', '>=', param<number>(2))
            .where((eb) => eb.or([eb('sub_type', 'is', null), eb('sub_type', '!=', 'ONLY_TO_REP')]))
            .orderBy('id');
        });
      for (const [accountId, chatId, from] of [
        ['a1', 'c1', 0],
        ['a2', 'c2', 7],
        ['a1', 'c3', 42],
      ] as const) {
        const compiled = query(accountId, chatId, from);
        const expected = built(accountId, chatId, from);
        assert.equal(compiled.sql, expected.sql);
        // The constant written in the builder is kept among the caller's values.
        assert.deepEqual(compiled.parameters, expected.parameters);
        assert.deepEqual(compiled.parameters, [accountId, chatId, from, 'ONLY_TO_REP']);
      }
      assert.equal(builds, 1);
    });

    it('keeps shapes apart by their key', () => {
      const statements = new CompiledOnce();
      const one = statements.query('one', ['a'], (param) =>
        db.selectFrom('chat_events').selectAll().where('account_id', '=', param<string>(0)),
      );
      const two = statements.query('two', ['a', 'c'], (param) =>
        db
          .selectFrom('chat_events')
          .selectAll()
          .where('account_id', '=', param<string>(0))
          .where('chat_id', '=', param<string>(1)),
      );
      assert.notEqual(one.sql, two.sql);
      assert.deepEqual(two.parameters, ['a', 'c']);
    });
  });
}
