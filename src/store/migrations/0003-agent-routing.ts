import type { Kysely } from 'kysely';

/**
 * Routing and the agent side: which agent a waiting chat rings and until when, the transfer target,
 * the agent session holding a chat, the agent survey; agent-session idle due times; the identities
 * of authenticated visitors.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('chats').addColumn('ringing_user_id', 'bigint').execute();
  await db.schema.alterTable('chats').addColumn('ring_due_at', 'bigint').execute();
  await db.schema.alterTable('chats').addColumn('target_user_id', 'bigint').execute();
  await db.schema.alterTable('chats').addColumn('agent_session_id', 'varchar(20)').execute();
  await db.schema.alterTable('chats').addColumn('agent_survey', 'text').execute();
  await db.schema.createIndex('chats_ringing_idx').on('chats').columns(['account_id', 'ringing_user_id']).execute();
  await db.schema.createIndex('chats_ring_due_idx').on('chats').column('ring_due_at').execute();

  await db.schema.alterTable('agent_sessions').addColumn('idle_due_at', 'bigint').execute();
  await db.schema.alterTable('agent_sessions').addColumn('availability_since', 'bigint').execute();
  await db.schema.createIndex('agent_sessions_idle_idx').on('agent_sessions').column('idle_due_at').execute();

  await db.schema
    .createTable('visitor_identities')
    .addColumn('account_id', 'varchar(20)', (c) => c.notNull())
    .addColumn('participant_id', 'varchar(40)', (c) => c.notNull())
    .addColumn('claims', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('visitor_identities_pk', ['account_id', 'participant_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('visitor_identities').execute();
  await db.schema.alterTable('agent_sessions').dropColumn('availability_since').execute();
  await db.schema.alterTable('agent_sessions').dropColumn('idle_due_at').execute();
  for (const column of ['agent_survey', 'agent_session_id', 'target_user_id', 'ring_due_at', 'ringing_user_id']) {
    await db.schema.alterTable('chats').dropColumn(column).execute();
  }
}
