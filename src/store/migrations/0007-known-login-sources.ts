import type { Kysely } from 'kysely';

/**
 * Where each user has logged in successfully lately (docs/adr/0008-login-throttling.md): a source
 * with a recent success is exempt from the per-user-name ceiling on failed logins, so a distributed
 * attack on a user name does not lock its owner out. In the database, so that a restart and every
 * node sharing it know the same sources. The address group is kept as a digest, never in plain.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('known_login_sources')
    .addColumn('account_id', 'varchar(20)', (c) => c.notNull())
    .addColumn('user_id', 'bigint', (c) => c.notNull())
    .addColumn('source_digest', 'varchar(64)', (c) => c.notNull())
    .addColumn('last_success_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('known_login_sources_pk', ['account_id', 'user_id', 'source_digest'])
    .execute();
  // The sweep deletes by age.
  await db.schema
    .createIndex('known_login_sources_age_idx')
    .on('known_login_sources')
    .column('last_success_at')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('known_login_sources').execute();
}
