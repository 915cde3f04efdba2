import type { Kysely } from 'kysely';

/**
 * Several nodes on one database (docs/adr/0010-several-nodes.md): the registry of nodes with their
 * heartbeats, which connection-bound agent sessions each node holds connections of (so a session
 * is detached only when no node holds one), and the leases that let one node at a time run the
 * timers' turn.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('nodes')
    .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
    .addColumn('host', 'varchar(255)', (c) => c.notNull())
    .addColumn('address', 'varchar(300)', (c) => c.notNull())
    .addColumn('pid', 'integer', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('heartbeat_at', 'bigint', (c) => c.notNull())
    .addColumn('uses_redis', 'integer', (c) => c.notNull())
    .addColumn('draining', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable('agent_connections')
    .addColumn('node_id', 'varchar(40)', (c) => c.notNull())
    .addColumn('account_id', 'varchar(20)', (c) => c.notNull())
    .addColumn('session_id', 'varchar(20)', (c) => c.notNull())
    .addPrimaryKeyConstraint('agent_connections_pk', ['node_id', 'account_id', 'session_id'])
    .execute();
  // "Does any node hold this session?" is asked on every last close.
  await db.schema
    .createIndex('agent_connections_session_idx')
    .on('agent_connections')
    .columns(['account_id', 'session_id'])
    .execute();
  await db.schema
    .createTable('leases')
    .addColumn('name', 'varchar(40)', (c) => c.primaryKey())
    .addColumn('holder', 'varchar(40)', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('leases').execute();
  await db.schema.dropTable('agent_connections').execute();
  await db.schema.dropTable('nodes').execute();
}
