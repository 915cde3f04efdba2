import { sql, type Kysely } from 'kysely';
import type { HeldConnection, LeaseRepository, NodeRecord, NodeRepository } from '../core/ports.js';
import type { Database } from './schema.js';
import type { Dialect } from './chat-repositories.js';

const toNode = (row: Database['nodes']): NodeRecord => ({
  id: row.id,
  host: row.host,
  address: row.address,
  pid: Number(row.pid),
  startedAt: Number(row.started_at),
  heartbeatAt: Number(row.heartbeat_at),
  usesRedis: row.uses_redis === 1,
  isDraining: row.draining === 1,
});

const toConnection = (row: Database['agent_connections']): HeldConnection => ({
  nodeId: row.node_id,
  accountId: row.account_id,
  sessionId: row.session_id,
});

/** The node registry and the connections each node holds (docs/adr/0010-several-nodes.md). */
export function nodeRepository(db: Kysely<Database>, dialect: Dialect): NodeRepository {
  return {
    async lock() {
      if (!db.isTransaction) throw new Error('nodes.lock needs a transaction');
      // SQLite runs one write transaction at a time already.
      if (dialect === 'postgres') {
        await sql`select pg_advisory_xact_lock(hashtext(${'parley:nodes'}))`.execute(db);
      }
    },
    async list() {
      const rows = await db.selectFrom('nodes').selectAll().orderBy('started_at').execute();
      return rows.map(toNode);
    },
    async save(node) {
      const row = {
        id: node.id,
        host: node.host,
        address: node.address,
        pid: node.pid,
        started_at: node.startedAt,
        heartbeat_at: node.heartbeatAt,
        uses_redis: node.usesRedis ? 1 : 0,
        draining: node.isDraining ? 1 : 0,
      };
      await db
        .insertInto('nodes')
        .values(row)
        .onConflict((oc) => oc.column('id').doUpdateSet({ ...row }))
        .execute();
    },
    async heartbeat(id, at) {
      const result = await db.updateTable('nodes').set({ heartbeat_at: at }).where('id', '=', id).executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async setDraining(id) {
      await db.updateTable('nodes').set({ draining: 1 }).where('id', '=', id).execute();
    },
    async delete(id) {
      await db.deleteFrom('nodes').where('id', '=', id).execute();
    },
    async addConnection({ nodeId, accountId, sessionId }) {
      await db
        .insertInto('agent_connections')
        .values({ node_id: nodeId, account_id: accountId, session_id: sessionId })
        .onConflict((oc) => oc.columns(['node_id', 'account_id', 'session_id']).doNothing())
        .execute();
    },
    async removeConnection({ nodeId, accountId, sessionId }) {
      await db
        .deleteFrom('agent_connections')
        .where('node_id', '=', nodeId)
        .where('account_id', '=', accountId)
        .where('session_id', '=', sessionId)
        .execute();
    },
    async countConnections(accountId, sessionId) {
      const row = await db
        .selectFrom('agent_connections')
        .select((eb) => eb.fn.countAll().as('count'))
        .where('account_id', '=', accountId)
        .where('session_id', '=', sessionId)
        .executeTakeFirst();
      return Number(row?.count ?? 0);
    },
    async removeConnectionsOfDead(liveSince, keep) {
      const rows = await db
        .deleteFrom('agent_connections')
        .where('node_id', '<>', keep)
        .where('node_id', 'not in', (eb) =>
          eb.selectFrom('nodes').select('nodes.id').where('nodes.heartbeat_at', '>=', liveSince),
        )
        .returningAll()
        .execute();
      return rows.map(toConnection);
    },
    async removeConnectionsOf(nodeId) {
      const rows = await db.deleteFrom('agent_connections').where('node_id', '=', nodeId).returningAll().execute();
      return rows.map(toConnection);
    },
  };
}

/**
 * Leases in one upsert each: a node takes a lease that is free, its own, expired, or held by a
 * node whose heartbeat is stale (or that never registered); otherwise the statement changes
 * nothing. PostgreSQL makes a racing insert wait for the first one's commit; SQLite writes one at
 * a time.
 */
export function leaseRepository(db: Kysely<Database>): LeaseRepository {
  return {
    async take(name, holder, now, expiresAt, liveSince) {
      const result = await sql`
        insert into leases (name, holder, expires_at) values (${name}, ${holder}, ${expiresAt})
        on conflict (name) do update set holder = excluded.holder, expires_at = excluded.expires_at
        where leases.holder = excluded.holder
          or leases.expires_at <= ${now}
          or not exists (select 1 from nodes where nodes.id = leases.holder and nodes.heartbeat_at >= ${liveSince})
      `.execute(db);
      return Number(result.numAffectedRows ?? 0n) > 0;
    },
    async release(name, holder) {
      await db.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute();
    },
  };
}
