import { Kysely, type LogEvent } from 'kysely';
import pg from 'pg';
import { PostgresDiskWatch } from './postgres-faults.js';
import { SchemaScopedPostgresDialect } from './postgres-introspector.js';
import type { Database } from './schema.js';
import type { StoreCondition } from '../core/ports.js';

/**
 * How long PostgreSQL may take before a request gives up with a retryable 503 (README,
 * "Configuration"). The server cancels a statement at `statementMs`; `queryMs`, a little longer, is
 * the client's own deadline for a server that no longer answers at all (a black hole).
 */
export interface PostgresTimeouts {
  /** Waiting for a connection: a free pool slot or a new connection (PARLEY_PG_CONNECT_TIMEOUT_MS). */
  connectMs: number;
  /** Server-side `statement_timeout` (PARLEY_PG_STATEMENT_TIMEOUT_MS). */
  statementMs: number;
  /** Client-side `query_timeout` (PARLEY_PG_QUERY_TIMEOUT_MS). */
  queryMs: number;
}

/**
 * Connections per process (PARLEY_PG_POOL_SIZE). Each statement holds one until the event loop
 * takes its answer, so a busy process needs more than its statements' own time suggests; three
 * nodes at the default stay well inside PostgreSQL's default max_connections (100).
 */
export const DEFAULT_POSTGRES_POOL_SIZE = 20;

export const DEFAULT_POSTGRES_TIMEOUTS: PostgresTimeouts = { connectMs: 3_000, statementMs: 5_000, queryMs: 6_000 };

const INT8_OID = 20;
const IDLE_CONNECTION_MS = 5 * 60_000;
// First TCP keepalive probe after this much silence, so a peer that vanished without a reset
// (a failover, a cut cable) is noticed on idle connections too.
const KEEPALIVE_DELAY_MS = 10_000;

export interface PostgresOptions {
  url: string;
  schema?: string;
  log: ((event: LogEvent) => void) | undefined;
  poolSize: number;
  /** Undefined: no statement or query deadline (migrations, which may rightly run long). */
  timeouts: PostgresTimeouts | undefined;
}

export interface OpenedPostgres {
  db: Kysely<Database>;
  /** See Store.condition: `disk-full` for a while after PostgreSQL reported its disk full. */
  condition: () => StoreCondition;
}

/** A Kysely instance over a pg pool whose faults are bounded in time and answered with 503. */
export function openPostgres({ url, schema, log, poolSize, timeouts }: PostgresOptions): OpenedPostgres {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: timeouts?.connectMs ?? DEFAULT_POSTGRES_TIMEOUTS.connectMs,
    ...(timeouts === undefined ? {} : { statement_timeout: timeouts.statementMs, query_timeout: timeouts.queryMs }),
    // pg's default closes a connection idle for 10 s: a node whose load comes in waves then opens
    // its pool again on every wave, each connection a backend PostgreSQL forks while requests wait.
    idleTimeoutMillis: IDLE_CONNECTION_MS,
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_DELAY_MS,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
    // bigint columns hold epoch milliseconds and ids, all below 2^53: read them as numbers.
    types: {
      getTypeParser: (oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format),
    },
  });
  // An idle client that loses its connection must not crash the process; the pool drops it and the
  // next request gets a fresh one. Checked-out clients are guarded by the driver.
  pool.on('error', () => undefined);
  const disk = new PostgresDiskWatch();
  const db = new Kysely<Database>({
    dialect: new SchemaScopedPostgresDialect({ pool }, schema ?? 'public', disk),
    ...(log === undefined ? {} : { log }),
  });
  return { db, condition: () => disk.condition() };
}
