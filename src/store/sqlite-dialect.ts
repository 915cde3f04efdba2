import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import {
  CompiledQuery,
  SqliteDialect,
  type DatabaseConnection,
  type Driver,
  type QueryCompiler,
  type QueryResult,
} from 'kysely';
import { boundedMemo } from '../core/bounded-memo.js';
import { AppError, ErrorCode } from '../core/errors.js';
import { RETRY_AFTER_DISK_MS } from './sqlite-faults.js';

/** Distinct statements kept prepared; past this the cache starts again (IN lists vary in length). */
const STATEMENT_CACHE_SIZE = 500;

export interface SqliteDriverOptions {
  /**
   * Keeps the WAL bounded (src/store/sqlite-wal-bound.ts): asked after each commit whether it has
   * passed its high-water mark; if so, `checkpoint` gets the connection next, with no transaction
   * open, and everything waiting for the connection waits until it is done.
   */
  walBound?: { isOverHighWater(): boolean; checkpoint(): Promise<void> };
  /** The error callers get for one SQLite or the flush threw (src/store/sqlite-faults.ts). */
  translateError?: (error: unknown) => unknown;
}

/**
 * Kysely's SQLite dialect with a driver suited to a busy server: statements are prepared once and
 * reused (better-sqlite3 does not cache them), and the one connection is handed to waiting queries
 * in arrival order (Kysely's own mutex wakes every waiting query on each release, so N waiting
 * queries cost N² wake-ups).
 *
 * With `flush`, commits are made durable by `flush` (the WAL fsync'd on libuv's thread pool)
 * instead of inside SQLite (`synchronous = FULL` fsyncs on the event loop, stopping every request
 * for as long as the disk takes), several at once: commits made while a flush runs are covered by
 * the next one (group commit). No caller sees a commit before it is on disk: the result of every
 * statement, a read too, is handed over only once every commit made before it has been flushed.
 * The connection itself is free again as soon as a statement outside a transaction has run, so a
 * slow flush delays the answers that depend on it but not the statements queued behind it.
 *
 * A transaction that SQLite rolls back by itself (a full disk, an I/O error) runs nothing more:
 * its later statements fail, and its rollback is not sent again, so the caller's error is the one
 * that ended it and no statement of it can run outside it.
 *
 * A flush that fails stops the driver until the process restarts: the commits it covered fail, and
 * so does every statement after (UNAVAILABLE), so /health's ping reports the store unreachable and
 * nothing is acknowledged on pages the disk may have dropped (docs/adr/0005-bounded-wal.md).
 */
export class PreparedSqliteDialect extends SqliteDialect {
  constructor(
    private readonly database: SqliteDatabase,
    private readonly flush?: () => Promise<void>,
    private readonly options: SqliteDriverOptions = {},
  ) {
    super({ database });
  }

  override createDriver(): Driver {
    return new PreparedSqliteDriver(this.database, this.flush, this.options);
  }
}

/**
 * Commits in order and which of them are on disk. One flush runs at a time; when it ends, the next
 * one covers every commit made meanwhile.
 *
 * A flush that fails ends it for good (docs/adr/0005-bounded-wal.md): after a failed fdatasync Linux
 * may have marked the dirty pages clean without writing them, so a later flush that succeeds proves
 * nothing for them. The commits not yet acknowledged fail, and so does every one after.
 */
class GroupFlush {
  private committed = 0;
  private durable = 0;
  private isFlushing = false;
  /** The first flush that failed; set once, never cleared. */
  failure: { error: unknown } | undefined;
  private readonly waiting: { commit: number; resolve: () => void; reject: (error: unknown) => void }[] = [];

  constructor(private readonly flush: () => Promise<void>) {}

  /** Counts a commit just made (its pages are in the WAL) and starts a flush unless one runs. */
  commit(): void {
    this.committed += 1;
    void this.run();
  }

  /**
   * Resolves once every commit made so far is on disk (rejects if a flush has failed); undefined
   * when they all are already.
   */
  durableSoFar(): Promise<void> | undefined {
    if (this.failure !== undefined) return Promise.reject(this.failure.error);
    if (this.durable >= this.committed) return undefined;
    return new Promise((resolve, reject) => this.waiting.push({ commit: this.committed, resolve, reject }));
  }

  private async run(): Promise<void> {
    if (this.isFlushing || this.failure !== undefined) return;
    this.isFlushing = true;
    while (this.durable < this.committed) {
      // Only commits made before the flush begins are sure to be covered by it.
      const covered = this.committed;
      try {
        await this.flush();
      } catch (error) {
        this.failure = { error };
        for (const waiter of this.waiting.splice(0)) waiter.reject(error);
        break;
      }
      this.durable = covered;
      const settled = this.waiting.filter((waiter) => waiter.commit <= covered);
      this.waiting.splice(0, settled.length);
      for (const waiter of settled) waiter.resolve();
    }
    this.isFlushing = false;
  }
}

class PreparedSqliteDriver implements Driver {
  /** Each text prepared once (bounded: IN lists vary in length). */
  private readonly prepare: (sql: string) => Statement = boundedMemo(STATEMENT_CACHE_SIZE, (sql) =>
    this.database.prepare(sql),
  );
  private readonly groupFlush: GroupFlush | undefined;
  /** Whether the open transaction has run a statement that may write. */
  private hasTransactionWritten = false;
  private readonly waiting: (() => void)[] = [];
  private isHeld = false;
  /**
   * Kysely keeps every connection object it is given, so leases (one per acquisition, since a
   * lease may give the connection up before Kysely releases it) are reused once released.
   */
  private readonly idle: SqliteLease[] = [];
  /** Whether a WAL checkpoint is first in line for the connection or holds it. */
  private isCheckpointDue = false;
  private readonly walBound: SqliteDriverOptions['walBound'];
  /** See SqliteDriverOptions.translateError. */
  readonly translate: (error: unknown) => unknown;
  private stopped: AppError | undefined;

  constructor(
    readonly database: SqliteDatabase,
    flush: (() => Promise<void>) | undefined,
    options: SqliteDriverOptions,
  ) {
    const translate = options.translateError ?? ((error: unknown) => error);
    this.translate = translate;
    this.walBound = options.walBound;
    this.groupFlush =
      flush === undefined
        ? undefined
        : new GroupFlush(() =>
            flush().catch((error: unknown) => {
              throw translate(error);
            }),
          );
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.take();
    const lease = this.idle.pop() ?? new SqliteLease(this);
    lease.isHolding = true;
    lease.isInTransaction = false;
    lease.lostTransaction = undefined;
    return lease;
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const lease = leaseOf(connection);
    lease.giveUp();
    this.idle.push(lease);
  }

  /** Waits for the connection, first come first served. */
  take(): Promise<void> {
    if (!this.isHeld) {
      this.isHeld = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Hands the connection to the next in line. */
  give(): void {
    const next = this.waiting.shift();
    if (next === undefined) this.isHeld = false;
    else next();
  }

  /** Runs one statement now, and counts it if it committed. */
  run<R>(compiledQuery: CompiledQuery): QueryResult<R> {
    const statement = this.prepare(compiledQuery.sql);
    const parameters = compiledQuery.parameters as unknown[];
    const wasInTransaction = this.database.inTransaction;
    let result: QueryResult<R>;
    let hasWritten: boolean;
    if (statement.reader) {
      result = { rows: statement.all(parameters) as R[] };
      // `update … returning` reads and writes.
      hasWritten = !statement.readonly;
    } else {
      const { changes, lastInsertRowid } = statement.run(parameters);
      result = { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
      // Inside a transaction any statement that may write counts (DDL reports no changes);
      // begin, commit, rollback and savepoints are read-only to SQLite.
      hasWritten = changes > 0 || (wasInTransaction && !statement.readonly);
    }
    if (this.database.inTransaction) {
      this.hasTransactionWritten ||= hasWritten;
      return result;
    }
    // A commit: of a transaction that wrote, or of a statement on its own. A transaction that only
    // read (a routing pass with nothing to route) has nothing to flush.
    const isCommit = wasInTransaction ? this.hasTransactionWritten && compiledQuery.sql !== 'rollback' : hasWritten;
    this.hasTransactionWritten = false;
    if (isCommit) this.afterCommit();
    return result;
  }

  private afterCommit(): void {
    this.groupFlush?.commit();
    const bound = this.walBound;
    if (bound === undefined || this.isCheckpointDue || !bound.isOverHighWater()) return;
    this.isCheckpointDue = true;
    // The lease that committed holds the connection, outside any transaction; giving it up hands it
    // here before anyone already waiting, so the WAL grows by no more than this one commit.
    this.waiting.unshift(() => {
      void bound
        .checkpoint()
        .catch(() => undefined)
        .then(() => {
          this.isCheckpointDue = false;
          this.give();
        });
    });
  }

  /**
   * Why no statement may run any more (a flush has failed), or undefined. One error for all of
   * them, worded for the operator who finds it in the log of every refused request.
   */
  stoppedBy(): AppError | undefined {
    const failure = this.groupFlush?.failure;
    if (failure === undefined) return undefined;
    this.stopped ??= new AppError(
      ErrorCode.UNAVAILABLE,
      'The SQLite store stopped after a failed flush of its WAL to disk; restart the server to recover from what is on disk',
      { retryAfterMs: RETRY_AFTER_DISK_MS, cause: failure.error },
    );
    return this.stopped;
  }

  /** When what has been committed so far is on disk (undefined: it is, or nothing is flushed). */
  durableSoFar(): Promise<void> | undefined {
    return this.groupFlush?.durableSoFar();
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin'));
    leaseOf(connection).isInTransaction = true;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
    leaseOf(connection).isInTransaction = false;
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const lease = leaseOf(connection);
    lease.isInTransaction = false;
    lease.lostTransaction = undefined;
    // A lease holds the connection from its begin until SQLite has ended the transaction. Not held:
    // the commit ran and what failed was its flush. Held with none open: SQLite rolled it back by
    // itself. Either way a `rollback` now would fail with "no transaction is active" and hide why.
    if (!lease.isHolding) return;
    if (!this.database.inTransaction) {
      this.hasTransactionWritten = false;
      return;
    }
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async savepoint(
    connection: DatabaseConnection,
    name: string,
    _compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint ${quoteIdentifier(name)}`));
  }

  async rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    _compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to ${quoteIdentifier(name)}`));
  }

  async releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    _compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release ${quoteIdentifier(name)}`));
  }

  async destroy(): Promise<void> {
    this.database.close();
  }
}

const quoteIdentifier = (name: string): string => `"${name.replace(/"/g, '""')}"`;

const leaseOf = (connection: DatabaseConnection): SqliteLease => {
  if (connection instanceof SqliteLease) return connection;
  throw new Error('not a connection of this driver');
};

/**
 * One acquisition of the connection. Outside a transaction nothing else needs it once a statement
 * has run, so it is given to the next in line then, while this statement's result waits for the
 * disk; a lease used again after that waits its turn anew (Kysely's migrator runs several
 * statements on one acquisition).
 */
class SqliteLease implements DatabaseConnection {
  isHolding = false;
  /** Between the driver's begin and its commit or rollback. */
  isInTransaction = false;
  /** Why SQLite ended this lease's transaction by itself, until the caller rolls it back. */
  lostTransaction: { error: unknown } | undefined;

  constructor(private readonly driver: PreparedSqliteDriver) {}

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    // Run on its own, a statement of the lost transaction would be applied without the rest of it.
    if (this.lostTransaction !== undefined) throw this.lostTransaction.error;
    if (!this.isHolding) {
      await this.driver.take();
      this.isHolding = true;
    }
    const stopped = this.driver.stoppedBy();
    if (stopped !== undefined) {
      // A transaction still open is rolled back (its caller then sees why); nothing else runs.
      if (compiledQuery.sql === 'rollback' && this.driver.database.inTransaction) {
        const result = this.driver.run<R>(compiledQuery);
        this.giveUp();
        return result;
      }
      if (!this.isInTransaction) this.giveUp();
      throw stopped;
    }
    let result: QueryResult<R>;
    try {
      result = this.driver.run<R>(compiledQuery);
    } catch (thrown) {
      const error = this.driver.translate(thrown);
      if (this.isInTransaction && !this.driver.database.inTransaction) this.lostTransaction = { error };
      // Inside a transaction the rollback that follows waits for the disk; on its own, a refusal
      // may rest on a commit not yet on disk, as a result may.
      if (this.isInTransaction || this.driver.database.inTransaction) throw error;
      this.giveUp();
      await this.driver.durableSoFar()?.catch(() => undefined);
      throw error;
    }
    if (this.driver.database.inTransaction) return result;
    this.giveUp();
    const durable = this.driver.durableSoFar();
    if (durable !== undefined) await durable;
    return result;
  }

  giveUp(): void {
    if (!this.isHolding) return;
    this.isHolding = false;
    this.driver.give();
  }

  streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('The SQLite store does not stream queries');
  }
}
