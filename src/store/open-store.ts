import { closeSync, fdatasync, fstatSync, fsync, mkdirSync, openSync } from 'node:fs';
import { promisify } from 'node:util';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, sql, type LogEvent } from 'kysely';
import { KyselyStore } from './kysely-store.js';
import {
  openPostgres,
  DEFAULT_POSTGRES_POOL_SIZE,
  DEFAULT_POSTGRES_TIMEOUTS,
  type PostgresTimeouts,
} from './open-postgres.js';
import { migrationProvider } from './migrations/index.js';
import { startCheckpointer } from './sqlite-checkpointer.js';
import { externalVersionOf, walIndexOf } from './sqlite-external-version.js';
import { PreparedSqliteDialect } from './sqlite-dialect.js';
import { sharedRead } from './shared-read.js';
import { SqliteFaults } from './sqlite-faults.js';
import { DEFAULT_WAL_HIGH_WATER_BYTES, WalBound, type CheckpointReport } from './sqlite-wal-bound.js';
import type { Database } from './schema.js';
import type { StoreCondition } from '../core/ports.js';

/** Where the store lives, parsed from PARLEY_DATABASE_URL. */
export type DatabaseLocation = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string; schema?: string };

export interface OpenedStore {
  store: KyselyStore;
  /** Applies every pending migration; safe to call on each start. */
  migrate(): Promise<void>;
}

/** Parses `sqlite:<path>` or `postgres://…`; returns undefined for anything else. */
export function parseDatabaseUrl(url: string): DatabaseLocation | undefined {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    return path.length > 0 ? { kind: 'sqlite', path } : undefined;
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    try {
      new URL(url);
      return { kind: 'postgres', url };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export interface StoreOptions {
  /** Called with every statement the store runs (tests count queries; metrics could too). */
  onQuery?: (sql: string) => void;
  /** PostgreSQL connections at most (default DEFAULT_POSTGRES_POOL_SIZE). */
  poolSize?: number;
  /** SQLite: the WAL size past which writes wait for a full checkpoint (default 32 MiB; tests use less). */
  walHighWaterBytes?: number;
  /** SQLite: told of each full checkpoint, which every statement waits for (to log the long ones). */
  onCheckpoint?: (checkpoint: CheckpointReport) => void;
  /** PostgreSQL deadlines (default DEFAULT_POSTGRES_TIMEOUTS). */
  postgresTimeouts?: PostgresTimeouts;
  /** Rows a sweep of expired keys deletes per statement (default 1,000; tests use fewer). */
  sweepBatchSize?: number;
  /** See KyselyStoreOptions.onAfterCommitError. */
  onAfterCommitError?: (error: unknown) => void;
}

/** Opens the store over SQLite or PostgreSQL; the schema is migrated by `migrate()`. */
export function openStore(location: DatabaseLocation, options: StoreOptions = {}): OpenedStore {
  const log = options.onQuery === undefined ? undefined : (event: LogEvent) => options.onQuery?.(event.query.sql);
  const opened: OpenedDatabase =
    location.kind === 'sqlite'
      ? openSqlite(location.path, log, options.walHighWaterBytes ?? DEFAULT_WAL_HIGH_WATER_BYTES, options.onCheckpoint)
      : withCacheVersion({
          ...openPostgres({
            ...location,
            log,
            poolSize: options.poolSize ?? DEFAULT_POSTGRES_POOL_SIZE,
            timeouts: options.postgresTimeouts ?? DEFAULT_POSTGRES_TIMEOUTS,
          }),
          // Migrations may rightly run longer than any request's deadline (an index on a big table).
          openMigrationDb: () => openPostgres({ ...location, log, poolSize: 1, timeouts: undefined }).db,
        });
  const { db } = opened;
  return {
    store: new KyselyStore(db, location.kind, {
      close: async () => {
        await opened.beforeClose?.();
        await db.destroy();
      },
      ...(opened.externalVersion === undefined ? {} : { externalVersion: opened.externalVersion }),
      ...(opened.catchUp === undefined ? {} : { catchUp: opened.catchUp }),
      ...(opened.condition === undefined ? {} : { condition: opened.condition }),
      ...(options.sweepBatchSize === undefined ? {} : { sweepBatchSize: options.sweepBatchSize }),
      ...(options.onAfterCommitError === undefined ? {} : { onAfterCommitError: options.onAfterCommitError }),
    }),
    async migrate() {
      const migrationDb = opened.openMigrationDb?.() ?? db;
      const migrator = new Migrator({
        db: migrationDb,
        provider: migrationProvider,
        // Each PostgreSQL schema keeps its own migration table (tests run one schema per suite).
        ...(location.kind === 'postgres' ? { migrationTableSchema: location.schema ?? 'public' } : {}),
      });
      try {
        const { error, results } = await migrator.migrateToLatest();
        const failed = results?.find((result) => result.status === 'Error');
        if (error !== undefined || failed !== undefined) {
          const reason = error instanceof Error ? `: ${error.message}` : '';
          throw new Error(`database migration ${failed?.migrationName ?? ''} failed${reason}`, { cause: error });
        }
      } finally {
        if (migrationDb !== db) await migrationDb.destroy();
      }
    },
  };
}

interface OpenedDatabase {
  db: Kysely<Database>;
  /** See Store.externalVersion. */
  externalVersion?: () => number | undefined;
  /** See Store.catchUp. */
  catchUp?: () => Promise<void>;
  /** See Store.condition. */
  condition?: () => StoreCondition;
  beforeClose?: () => Promise<void>;
  /** A separate connection for migrations, without the request deadlines; closed after use. */
  openMigrationDb?: () => Kysely<Database>;
}

/**
 * PostgreSQL's version of what other processes wrote: the row the cached tables' triggers move
 * (migration 0012), read by one shared read for all the requests that begin while it is under
 * way. Unknown until first read and after a failed read, when nothing may be kept.
 */
function withCacheVersion(opened: OpenedDatabase): OpenedDatabase {
  let version: number | undefined;
  const read = sharedRead(async () => {
    try {
      const { rows } = await sql<{ version: number }>`select version from cache_version where id = 1`.execute(
        opened.db,
      );
      version = rows[0]?.version;
    } catch (error) {
      version = undefined;
      throw error;
    }
  });
  return { ...opened, externalVersion: () => version, catchUp: read };
}

function openSqlite(
  path: string,
  log: ((event: LogEvent) => void) | undefined,
  walHighWaterBytes: number,
  onCheckpoint: ((checkpoint: CheckpointReport) => void) | undefined,
): OpenedDatabase {
  const isFile = path !== ':memory:' && path !== '';
  if (isFile) mkdirSync(dirname(path), { recursive: true });
  const database = new SQLite(path);
  database.pragma('journal_mode = WAL');
  // FULL: a commit is on disk before we answer, so an acknowledged write survives a power cut. A
  // file database gets the same from the driver's flush instead, without stopping the event loop.
  database.pragma(`synchronous = ${isFile ? 'NORMAL' : 'FULL'}`);
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  // A WAL started again after a checkpoint is cut back to the high-water mark, not kept at its peak.
  database.pragma(`journal_size_limit = ${walHighWaterBytes}`);
  const faults = new SqliteFaults(isFile ? dirname(path) : undefined);
  // Changes only when another connection (the CLI, another process) commits or truncates the WAL.
  const dataVersion = database.prepare('pragma data_version').pluck();
  // A file's commits are flushed by the driver, checkpointed by a worker and kept bounded.
  const file = isFile
    ? durabilityOf(database, path, walHighWaterBytes, () => dataVersion.get() as number, onCheckpoint)
    : undefined;
  return {
    db: new Kysely<Database>({
      dialect: new PreparedSqliteDialect(database, file === undefined ? undefined : () => file.wal.flush(), {
        ...(file === undefined ? {} : { walBound: file.walBound }),
        translateError: (error) => faults.translate(error),
      }),
      ...(log === undefined ? {} : { log }),
    }),
    // What caches check: another process's commits (sqlite-external-version.ts).
    externalVersion: file === undefined ? () => dataVersion.get() as number : file.version,
    condition: () => faults.condition(),
    beforeClose: async () => {
      faults.close();
      await file?.checkpointer.stop();
      file?.wal.close();
      file?.walIndex.close();
    },
  };
}

/** The WAL flusher, the checkpoint worker (automatic checkpoints back on if it dies), the bound. */
function durabilityOf(
  database: SQLite.Database,
  path: string,
  walHighWaterBytes: number,
  dataVersion: () => number,
  onCheckpoint: ((checkpoint: CheckpointReport) => void) | undefined,
) {
  const wal = new WalFlusher(path);
  database.pragma('wal_autocheckpoint = 0');
  const checkpointer = startCheckpointer(path, () => {
    if (database.open) database.pragma('wal_autocheckpoint = 1000');
  });
  const walIndex = walIndexOf(path);
  const version = externalVersionOf(dataVersion, walIndex);
  const walBound = new WalBound(
    walHighWaterBytes,
    () => wal.size(),
    () => checkpointer.restart(),
    onCheckpoint,
  );
  return { wal, checkpointer, walBound, walIndex, version };
}

/**
 * Makes a WAL database's commits durable: fdatasync of the -wal file on libuv's thread pool (any
 * descriptor of a file flushes all of it), and once of its directory, which SQLite leaves unsynced
 * at `synchronous = NORMAL` after creating the file.
 */
const fdatasyncAsync = promisify(fdatasync);
const fsyncAsync = promisify(fsync);

class WalFlusher {
  private fd: number | undefined;
  private hasSyncedDirectory = false;

  constructor(private readonly databasePath: string) {}

  /** The -wal file's size in bytes: fstat of an open descriptor, a few microseconds. */
  size(): number {
    return fstatSync(this.descriptor()).size;
  }

  async flush(): Promise<void> {
    await fdatasyncAsync(this.descriptor());
    if (!this.hasSyncedDirectory) {
      const directory = openSync(dirname(this.databasePath), 'r');
      try {
        await fsyncAsync(directory);
      } finally {
        closeSync(directory);
      }
      this.hasSyncedDirectory = true;
    }
  }

  private descriptor(): number {
    this.fd ??= openSync(`${this.databasePath}-wal`, 'r');
    return this.fd;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
