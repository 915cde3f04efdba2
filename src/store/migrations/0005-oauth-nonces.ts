import type { Kysely } from 'kysely';

/**
 * OAuth 1.0 nonces seen within the timestamp window (platform §5.3.4), in the database so that a
 * replay is refused after a restart and by every node that shares it. The nonce is kept as a
 * digest: it is the client's string, of any length.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('oauth_nonces')
    .addColumn('scope', 'varchar(160)', (c) => c.notNull())
    .addColumn('nonce_digest', 'varchar(64)', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('oauth_nonces_pk', ['scope', 'nonce_digest'])
    .execute();
  await db.schema.createIndex('oauth_nonces_expiry_idx').on('oauth_nonces').column('expires_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('oauth_nonces').execute();
}
