import { sql, type Kysely } from 'kysely';
import type {
  IdempotencyKeyRepository,
  IdempotencyRecord,
  KnownLoginSourceRepository,
  NonceRepository,
} from '../core/ports.js';
import type { Database } from './schema.js';

/**
 * Rows one sweep statement deletes at most. After downtime the backlog of expired rows can be
 * large: deleted in one statement it could outlast PostgreSQL's statement_timeout every minute and
 * never clear, and on SQLite hold the one connection for seconds. Each batch is a statement of its
 * own, so other work gets the connection between two.
 */
export const DEFAULT_SWEEP_BATCH_SIZE = 1_000;

type SweptTable = 'oauth_nonces' | 'idempotency_keys' | 'known_login_sources';

/**
 * Deletes the rows of `table` whose `column` is below `bound`, `batchSize` at a time (each batch
 * picked by its primary key `key`), until a batch comes back short; returns how many in all.
 */
async function sweepBelow<T extends SweptTable>(
  db: Kysely<Database>,
  table: T,
  key: readonly (keyof Database[T] & string)[],
  column: keyof Database[T] & string,
  bound: number,
  batchSize: number,
): Promise<number> {
  const columns = sql.join(key.map((name) => sql.ref(name)));
  let total = 0;
  for (;;) {
    const result =
      await sql`delete from ${sql.table(table)} where (${columns}) in (select ${columns} from ${sql.table(table)} where ${sql.ref(column)} < ${bound} limit ${batchSize})`.execute(
        db,
      );
    const deleted = Number(result.numAffectedRows ?? 0n);
    total += deleted;
    if (deleted < batchSize) return total;
  }
}

/**
 * OAuth 1.0 nonces: one upsert that inserts a new nonce or takes over an expired one, and changes
 * nothing for a live one, so two requests with one nonce cannot both pass (PostgreSQL makes the
 * second insert wait for the first's commit; SQLite writes one at a time).
 */
export function nonceRepository(db: Kysely<Database>, sweepBatchSize = DEFAULT_SWEEP_BATCH_SIZE): NonceRepository {
  return {
    async remember(scope, nonceDigest, now, expiresAt) {
      const result = await db
        .insertInto('oauth_nonces')
        .values({ scope, nonce_digest: nonceDigest, expires_at: expiresAt })
        .onConflict((oc) =>
          oc
            .columns(['scope', 'nonce_digest'])
            .doUpdateSet({ expires_at: expiresAt })
            .where('oauth_nonces.expires_at', '<=', now),
        )
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    deleteExpired(now) {
      // Expired at `now`: expires_at <= now, whole milliseconds.
      return sweepBelow(db, 'oauth_nonces', ['scope', 'nonce_digest'], 'expires_at', now + 1, sweepBatchSize);
    },
  };
}

/** Idempotency keys and their first answers (docs/adr/0009-idempotency-keys.md). */
export function idempotencyKeyRepository(
  db: Kysely<Database>,
  sweepBatchSize = DEFAULT_SWEEP_BATCH_SIZE,
): IdempotencyKeyRepository {
  const toRecord = (row: Database['idempotency_keys']): IdempotencyRecord => ({
    accountId: row.account_id,
    scope: row.scope,
    key: row.key,
    fingerprint: row.fingerprint,
    result: row.result,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
  });
  return {
    async get(accountId, scope, key, now) {
      const row = await db
        .selectFrom('idempotency_keys')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('scope', '=', scope)
        .where('key', '=', key)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return row && toRecord(row);
    },
    async create(record) {
      const row = {
        account_id: record.accountId,
        scope: record.scope,
        key: record.key,
        fingerprint: record.fingerprint,
        result: record.result,
        created_at: record.createdAt,
        expires_at: record.expiresAt,
      };
      // An expired record not yet swept is replaced; a live one is left as it is.
      const result = await db
        .insertInto('idempotency_keys')
        .values(row)
        .onConflict((oc) =>
          oc
            .columns(['account_id', 'scope', 'key'])
            .doUpdateSet({
              fingerprint: row.fingerprint,
              result: row.result,
              created_at: row.created_at,
              expires_at: row.expires_at,
            })
            .where('idempotency_keys.expires_at', '<=', record.createdAt),
        )
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    deleteExpired(now) {
      const key = ['account_id', 'scope', 'key'] as const;
      return sweepBelow(db, 'idempotency_keys', key, 'expires_at', now + 1, sweepBatchSize);
    },
  };
}

/**
 * Sources users logged in from (docs/adr/0008-login-throttling.md). One upsert that never moves a
 * source's last success back, so two logins committing out of order keep the later time.
 */
export function knownLoginSourceRepository(
  db: Kysely<Database>,
  sweepBatchSize = DEFAULT_SWEEP_BATCH_SIZE,
): KnownLoginSourceRepository {
  return {
    async recordSuccess(accountId, userId, sourceDigest, at) {
      await db
        .insertInto('known_login_sources')
        .values({ account_id: accountId, user_id: userId, source_digest: sourceDigest, last_success_at: at })
        .onConflict((oc) =>
          oc
            .columns(['account_id', 'user_id', 'source_digest'])
            .doUpdateSet({ last_success_at: at })
            .where('known_login_sources.last_success_at', '<', at),
        )
        .execute();
    },
    async lastSuccess(accountId, userId, sourceDigest) {
      const row = await db
        .selectFrom('known_login_sources')
        .select('last_success_at')
        .where('account_id', '=', accountId)
        .where('user_id', '=', userId)
        .where('source_digest', '=', sourceDigest)
        .executeTakeFirst();
      return row === undefined ? undefined : Number(row.last_success_at);
    },
    deleteOlderThan(before) {
      const key = ['account_id', 'user_id', 'source_digest'] as const;
      return sweepBelow(db, 'known_login_sources', key, 'last_success_at', before, sweepBatchSize);
    },
  };
}
