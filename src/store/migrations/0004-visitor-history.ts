import type { Kysely } from 'kysely';

/** A visitor's earlier chats, shown to the agent beside the chat (newest first). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('chats_visitor_idx')
    .on('chats')
    .columns(['account_id', 'visitor_id', 'start_time'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('chats_visitor_idx').execute();
}
