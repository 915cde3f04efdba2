import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import type pg from 'pg';
import {
  databaseUnavailable,
  isConnectionFailure,
  isNetworkError,
  isRetryableServerError,
  type PostgresDiskWatch,
} from './postgres-faults.js';
import { isStalePlan, StatementNames } from './postgres-statements.js';

// Kysely's own PostgresDriver leaves two faults to the application (docs/adr/0004-postgres-faults.md):
// a checked-out pg client has no 'error' listener, so a backend terminated between two statements of
// a transaction crashes the process with an unhandled 'error' event; and every client goes back to
// the pool as it is, so one whose query timed out (its query still running, its answer still due)
// is handed to the next request. This driver listens on every client it holds, discards any client
// that failed on the wire, and reports database faults as the retryable 503 of the error catalogue.

/** Kysely's Driver over a pg.Pool that survives backend restarts, resets and black holes. */
export class ResilientPostgresDriver implements Driver {
  #pool: pg.Pool | undefined;
  readonly #disk: PostgresDiskWatch;
  /** Shared by the pool's connections: each prepares a named statement on first use. */
  readonly #names = new StatementNames();

  constructor(pool: pg.Pool, disk: PostgresDiskWatch) {
    this.#pool = pool;
    this.#disk = disk;
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    const pool = this.#pool;
    // A closed store is a fault of the process, not of the database: it never recovers (500).
    if (pool === undefined) throw new Error('the store is closed');
    let client: pg.PoolClient;
    try {
      // Bounded by connectionTimeoutMillis, both the wait for a free slot and a new connection.
      client = await pool.connect();
    } catch (error) {
      if (this.#pool === undefined) throw new Error('the store is closed', { cause: error });
      throw databaseUnavailable(error);
    }
    return new GuardedConnection(client, this.#disk, this.#names);
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const options = [
      settings.isolationLevel === undefined ? '' : ` isolation level ${settings.isolationLevel}`,
      settings.accessMode === undefined ? '' : ` ${settings.accessMode}`,
    ].join('');
    // Not awaited: the transaction's first statement goes out right behind it on the same
    // connection, which answers both in order. Waiting for the answer would hold the connection
    // (and, later in the transaction, its row locks) for one more turn of the event loop, which
    // on a busy process is what the pool runs out of first. The first statement reports a failure.
    asGuarded(connection).pipeline(connection.executeQuery(CompiledQuery.raw(`start transaction${options}`)));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const guarded = asGuarded(connection);
    // A connection that failed cannot roll back, and need not: the server aborts an open
    // transaction when its session ends, which discarding the client makes sure of. Kysely then
    // throws the error that caused the rollback, not the rollback's own.
    if (guarded.isBroken) return;
    try {
      await connection.executeQuery(CompiledQuery.raw('rollback'));
    } catch (error) {
      guarded.discard(error);
    }
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    asGuarded(connection).release();
  }

  async destroy(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    await pool?.end();
  }
}

function asGuarded(connection: DatabaseConnection): GuardedConnection {
  if (!(connection instanceof GuardedConnection)) throw new Error('not a connection of this driver');
  return connection;
}

class GuardedConnection implements DatabaseConnection {
  /** Why this client must not be used again, once it failed on the wire. */
  #failure: unknown;
  readonly #client: pg.PoolClient;
  readonly #disk: PostgresDiskWatch;
  readonly #names: StatementNames;
  // While checked out, the pool's own listener is detached: without this one, a backend
  // terminated between two statements would be an unhandled 'error' event.
  readonly #onError = (error: Error): void => this.discard(error);
  /** A statement sent without waiting, whose failure the next statement reports. */
  #pipelined: Promise<unknown> | undefined;

  constructor(client: pg.PoolClient, disk: PostgresDiskWatch, names: StatementNames) {
    this.#client = client;
    this.#disk = disk;
    this.#names = names;
    client.on('error', this.#onError);
  }

  get isBroken(): boolean {
    return this.#failure !== undefined;
  }

  discard(reason: unknown): void {
    this.#failure ??= reason ?? new Error('connection discarded');
  }

  /**
   * A statement sent but not awaited: the next one is sent behind it at once and reports its
   * failure (see beginTransaction).
   */
  pipeline(sent: Promise<unknown>): void {
    // Handled here too, so that it is never an unhandled rejection when nothing follows it.
    sent.catch(() => undefined);
    this.#pipelined = sent;
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const before = this.#pipelined;
    this.#pipelined = undefined;
    if (before === undefined) return this.#execute(compiledQuery);
    const [, result] = await Promise.all([before, this.#execute<R>(compiledQuery)]);
    return result;
  }

  async #execute<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    if (this.#failure !== undefined) throw databaseUnavailable(this.#failure);
    try {
      const { sql, parameters } = compiledQuery;
      // Statements without parameters (transaction control) go by the simple protocol, unnamed.
      const name = parameters.length === 0 ? undefined : this.#names.nameOf(sql);
      const result = await this.#client.query<R & object>({
        text: sql,
        values: [...parameters],
        ...(name === undefined ? {} : { name }),
      });
      const { command, rowCount, rows } = result;
      const isWrite = command === 'INSERT' || command === 'UPDATE' || command === 'DELETE' || command === 'MERGE';
      return {
        ...(isWrite ? { numAffectedRows: BigInt(rowCount ?? 0) } : {}),
        rows: rows ?? [],
      };
    } catch (error) {
      if (isConnectionFailure(error) || isNetworkError(error) || isStalePlan(error)) {
        // Reset, terminated, or timed out with its answer still due; or its prepared statements
        // made stale by another node's migration: never reuse it.
        this.discard(error);
        throw databaseUnavailable(error);
      }
      if (isRetryableServerError(error)) {
        this.#disk.note(error);
        if (endsSession(error)) this.discard(error);
        throw databaseUnavailable(error);
      }
      throw error;
    }
  }

  // eslint-disable-next-line require-yield -- Parley reads no cursors; the interface requires it
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not supported by this driver');
  }

  /** Back to the pool, or — when it failed — closed and replaced by a fresh one on demand. */
  release(): void {
    this.#client.removeListener('error', this.#onError);
    this.#client.release(this.#failure !== undefined);
  }
}

/** Admin shutdown, connection exceptions, I/O errors: the session is over, not just the statement. */
function endsSession(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  return code.startsWith('08') || code.startsWith('57P') || code.startsWith('58');
}
