import type { Kysely } from 'kysely';

/**
 * The availability reason an agent gave with its availability (chat-agent-api §3.4,
 * `chatReasonId`), kept so that it is reported and the agent list can be filtered by it (§3.5).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('agent_sessions').addColumn('chat_reason_id', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('agent_sessions').dropColumn('chat_reason_id').execute();
}
