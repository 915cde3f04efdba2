import type { Kysely } from 'kysely';

/**
 * Shared chats (docs/SHARED-CHATS.md): a chat's participants, open invitations and last line time;
 * the details of participant events and participants' lines; who may listen and assist; the skills
 * an agent session joins automatically. JSON in text columns, as the other structured columns.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('chats')
    .addColumn('participants', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
  await db.schema
    .alterTable('chats')
    .addColumn('invitations', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
  await db.schema.alterTable('chats').addColumn('last_line_at', 'bigint').execute();
  await db.schema.alterTable('chat_events').addColumn('details', 'text').execute();
  await db.schema.alterTable('users').addColumn('sharing', 'text').execute();
  await db.schema.alterTable('agent_sessions').addColumn('auto_listen', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('agent_sessions').dropColumn('auto_listen').execute();
  await db.schema.alterTable('users').dropColumn('sharing').execute();
  await db.schema.alterTable('chat_events').dropColumn('details').execute();
  for (const column of ['last_line_at', 'invitations', 'participants']) {
    await db.schema.alterTable('chats').dropColumn(column).execute();
  }
}
