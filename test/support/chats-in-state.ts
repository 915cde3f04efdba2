import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Chat, ChatState } from '../../src/core/chats/chat-model.js';
import type { Store } from '../../src/core/ports.js';
import { openPostgres } from '../../src/store/open-postgres.js';
import type { DatabaseLocation } from '../../src/store/open-store.js';
import type { Database } from '../../src/store/schema.js';

/** A connection of its own to a test database, for what no port asks. */
function openDatabase(location: DatabaseLocation): Kysely<Database> {
  if (location.kind === 'postgres') {
    return openPostgres({ ...location, log: undefined, poolSize: 1, timeouts: undefined }).db;
  }
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: new SQLite(location.path) }) });
}

/**
 * The account's chats in one state, oldest in the queue first (the order of the queue and of the
 * ring list), as the server's store reads each. What a test checks was stored; no use case lists
 * chats by state, so the ids come from the database itself.
 */
export async function chatsInState(
  server: { location: DatabaseLocation; store: Store },
  accountId: string,
  state: ChatState,
): Promise<Chat[]> {
  const db = openDatabase(server.location);
  let ids: string[];
  try {
    const rows = await db
      .selectFrom('chats')
      .select('id')
      .where('account_id', '=', accountId)
      .where('state', '=', state)
      .orderBy('queued_at')
      .orderBy('start_time')
      .orderBy('id')
      .execute();
    ids = rows.map((row) => row.id);
  } finally {
    await db.destroy();
  }
  const chats = [];
  for (const id of ids) {
    const chat = await server.store.chats.get(accountId, id);
    if (chat === undefined) throw new Error(`chat ${id} vanished while it was read`);
    chats.push(chat);
  }
  return chats;
}
