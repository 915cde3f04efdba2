import type { Kysely } from 'kysely';

/**
 * Connection-bound agent sessions and typing that expires (docs/LEGACY-QUIRKS.md): whether a
 * session lives by its connections, since when it has had none, when the sweep must next look at
 * it (indexed, so the timers find it without scanning), and the availability it had before it was
 * put Away for want of a connection (JSON); when each side of a chat last said it was typing.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('agent_sessions')
    .addColumn('is_connection_bound', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('agent_sessions').addColumn('detached_at', 'bigint').execute();
  await db.schema.alterTable('agent_sessions').addColumn('presence_due_at', 'bigint').execute();
  await db.schema.alterTable('agent_sessions').addColumn('auto_away', 'text').execute();
  await db.schema
    .createIndex('agent_sessions_presence_due_idx')
    .on('agent_sessions')
    .column('presence_due_at')
    .execute();
  await db.schema.alterTable('chats').addColumn('agent_typing_at', 'bigint').execute();
  await db.schema.alterTable('chats').addColumn('visitor_typing_at', 'bigint').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const column of ['visitor_typing_at', 'agent_typing_at']) {
    await db.schema.alterTable('chats').dropColumn(column).execute();
  }
  await db.schema.dropIndex('agent_sessions_presence_due_idx').execute();
  for (const column of ['auto_away', 'presence_due_at', 'detached_at', 'is_connection_bound']) {
    await db.schema.alterTable('agent_sessions').dropColumn(column).execute();
  }
}
