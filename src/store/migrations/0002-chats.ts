import type { Kysely } from 'kysely';

/** Chats and their events, agent sessions, and offline messages (the visitor side's durable state). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('chats')
    .addColumn('account_id', 'varchar(20)', (c) => c.notNull().references('accounts.id'))
    .addColumn('id', 'varchar(80)', (c) => c.notNull())
    .addColumn('visitor_id', 'bigint', (c) => c.notNull())
    .addColumn('rt_session_id', 'bigint', (c) => c.notNull())
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('skill_id', 'bigint')
    .addColumn('skill_name', 'text')
    .addColumn('requested_agent', 'text')
    .addColumn('agent_user_id', 'bigint')
    .addColumn('agent_name', 'text')
    .addColumn('visitor_name', 'text')
    .addColumn('visitor_typing', 'integer', (c) => c.notNull())
    .addColumn('agent_typing', 'integer', (c) => c.notNull())
    .addColumn('interaction_timeout_seconds', 'integer', (c) => c.notNull())
    .addColumn('max_wait_time_seconds', 'integer')
    .addColumn('echo', 'text', (c) => c.notNull())
    .addColumn('visitor', 'text', (c) => c.notNull())
    .addColumn('pre_chat_lines', 'text', (c) => c.notNull())
    .addColumn('pre_chat_survey', 'text')
    .addColumn('exit_survey', 'text')
    .addColumn('custom_variables', 'text', (c) => c.notNull())
    .addColumn('start_time', 'bigint', (c) => c.notNull())
    .addColumn('last_update', 'bigint', (c) => c.notNull())
    .addColumn('queued_at', 'bigint')
    .addColumn('accepted_at', 'bigint')
    .addColumn('ended_at', 'bigint')
    .addColumn('idle_due_at', 'bigint')
    .addColumn('wait_due_at', 'bigint')
    .addColumn('retain_until', 'bigint')
    .addColumn('next_event_id', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('chats_pk', ['account_id', 'id'])
    .execute();
  await db.schema.createIndex('chats_queue_idx').on('chats').columns(['account_id', 'state', 'queued_at']).execute();
  await db.schema.createIndex('chats_idle_due_idx').on('chats').column('idle_due_at').execute();
  await db.schema.createIndex('chats_wait_due_idx').on('chats').column('wait_due_at').execute();
  await db.schema
    .createIndex('chats_agent_idx')
    .on('chats')
    .columns(['account_id', 'agent_user_id', 'state'])
    .execute();
  await db.schema.createIndex('chats_ended_idx').on('chats').columns(['account_id', 'skill_id', 'ended_at']).execute();

  await db.schema
    .createTable('chat_events')
    .addColumn('account_id', 'varchar(20)', (c) => c.notNull())
    .addColumn('chat_id', 'varchar(80)', (c) => c.notNull())
    .addColumn('id', 'integer', (c) => c.notNull())
    .addColumn('type', 'varchar(16)', (c) => c.notNull())
    .addColumn('time', 'bigint', (c) => c.notNull())
    .addColumn('state', 'varchar(16)')
    .addColumn('text_type', 'varchar(16)')
    .addColumn('text', 'text')
    .addColumn('json', 'text')
    .addColumn('by_name', 'text')
    .addColumn('source', 'varchar(16)')
    .addColumn('system_message_id', 'integer')
    .addColumn('sub_type', 'varchar(16)')
    .addPrimaryKeyConstraint('chat_events_pk', ['account_id', 'chat_id', 'id'])
    .addForeignKeyConstraint('chat_events_chat_fk', ['account_id', 'chat_id'], 'chats', ['account_id', 'id'])
    .execute();

  await db.schema
    .createTable('agent_sessions')
    .addColumn('account_id', 'varchar(20)', (c) => c.notNull())
    .addColumn('id', 'varchar(20)', (c) => c.notNull())
    .addColumn('user_id', 'bigint', (c) => c.notNull())
    .addColumn('login_session_id', 'varchar(64)')
    .addColumn('availability', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_request_at', 'bigint', (c) => c.notNull())
    .addColumn('ended_at', 'bigint')
    .addPrimaryKeyConstraint('agent_sessions_pk', ['account_id', 'id'])
    .addForeignKeyConstraint('agent_sessions_user_fk', ['account_id', 'user_id'], 'users', ['account_id', 'id'])
    .execute();
  await db.schema
    .createIndex('agent_sessions_live_idx')
    .on('agent_sessions')
    .columns(['account_id', 'ended_at', 'availability'])
    .execute();

  await db.schema
    .createTable('offline_messages')
    .addColumn('account_id', 'varchar(20)', (c) => c.notNull().references('accounts.id'))
    .addColumn('id', 'varchar(40)', (c) => c.notNull())
    .addColumn('skill', 'text')
    .addColumn('survey', 'text', (c) => c.notNull())
    .addColumn('visitor', 'text', (c) => c.notNull())
    .addColumn('context', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('offline_messages_pk', ['account_id', 'id'])
    .execute();
  await db.schema
    .createIndex('offline_messages_time_idx')
    .on('offline_messages')
    .columns(['account_id', 'created_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['offline_messages', 'agent_sessions', 'chat_events', 'chats']) {
    await db.schema.dropTable(table).execute();
  }
}
