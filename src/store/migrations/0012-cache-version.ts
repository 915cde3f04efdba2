import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * What a PostgreSQL process may keep in memory (src/store/cached-store.ts) needs to know when any
 * other process, the CLI or another node, changed it: a one-row version that every commit writing
 * a cached table moves, read once per request and shared by all requests under way
 * (docs/adr/0011-request-caches-on-postgres.md). SQLite tells the same from `pragma data_version`
 * and needs nothing here.
 *
 * The triggers are deferred constraint triggers: they run at commit, so the version's row lock is
 * taken last and held only while the transaction commits. Taken earlier, it would serialize
 * every such transaction for its whole length, and could deadlock with the locks taken after it.
 * An agent session's keep-alive (its last request and idle due time, written about once a second
 * per session) does not move it: no cached reader decides anything from those two columns
 * without reading the row again under a lock.
 */
const CACHED_TABLES = ['accounts', 'skills', 'users', 'user_skills', 'login_sessions'] as const;
const KEEP_ALIVE_COLUMNS = ['last_request_at', 'idle_due_at'] as const;

const isPostgres = (db: Kysely<unknown>) => db.getExecutor().adapter instanceof PostgresAdapter;

export async function up(db: Kysely<unknown>): Promise<void> {
  if (!isPostgres(db)) return;
  await db.schema
    .createTable('cache_version')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .execute();
  await sql`insert into cache_version (id, version) values (1, 0)`.execute(db);
  // Once per transaction however many rows it wrote (a seed writes hundreds): the transaction id
  // is remembered in a setting local to the transaction. `set search_path from current` ties the
  // function to this schema, whichever search path the writing session has.
  await sql`
    create function parley_cache_changed() returns trigger
    language plpgsql
    set search_path from current
    as $$
    begin
      if current_setting('parley.cache_changed_in', true) is distinct from txid_current()::text then
        perform set_config('parley.cache_changed_in', txid_current()::text, true);
        update cache_version set version = version + 1 where id = 1;
      end if;
      return null;
    end
    $$`.execute(db);
  for (const table of CACHED_TABLES) {
    await sql`
      create constraint trigger ${sql.raw(`${table}_cache_changed`)}
      after insert or update or delete on ${sql.table(table)}
      deferrable initially deferred
      for each row execute function parley_cache_changed()`.execute(db);
  }
  const others = sql.raw(KEEP_ALIVE_COLUMNS.map((column) => ` - '${column}'`).join(''));
  await sql`
    create constraint trigger agent_sessions_cache_changed
    after insert or delete on agent_sessions
    deferrable initially deferred
    for each row execute function parley_cache_changed()`.execute(db);
  await sql`
    create constraint trigger agent_sessions_cache_updated
    after update on agent_sessions
    deferrable initially deferred
    for each row
    when ((to_jsonb(old)${others}) is distinct from (to_jsonb(new)${others}))
    execute function parley_cache_changed()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (!isPostgres(db)) return;
  for (const table of [...CACHED_TABLES, 'agent_sessions']) {
    await sql`drop trigger if exists ${sql.raw(`${table}_cache_changed`)} on ${sql.table(table)}`.execute(db);
  }
  await sql`drop trigger if exists agent_sessions_cache_updated on agent_sessions`.execute(db);
  await sql`drop function if exists parley_cache_changed()`.execute(db);
  await db.schema.dropTable('cache_version').execute();
}
