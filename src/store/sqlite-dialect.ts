import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import {
  CompiledQuery,
  SqliteDialect,
  type DatabaseConnection,
  type Driver,
  type QueryCompiler,
  type QueryResult,
} from 'kysely';

/** Distinct statements kept prepared; past this the cache starts again (IN lists vary in length). */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely's SQLite dialect with a driver suited to a busy server: statements are prepared once and
 * reused (better-sqlite3 does not cache them), and the one connection is handed to waiting queries
 * in arrival order (Kysely's own mutex wakes every waiter on each release, so N waiting queries
 * cost N² wake-ups).
 *
 * With `flush`, a commit is made durable by `flush` (the WAL fsync'd on libuv's thread pool)
 * instead of inside SQLite (`synchronous = FULL` fsyncs on the event loop, stopping every request
 * for as long as the disk takes). The connection stays held until the flush is done, so no
 * statement of this process, and no caller, sees a commit before it is on disk.
 */
export class PreparedSqliteDialect extends SqliteDialect {
  constructor(
    private readonly database: SqliteDatabase,
    private readonly flush?: () => Promise<void>,
  ) {
    super({ database });
  }

  override createDriver(): Driver {
    return new PreparedSqliteDriver(this.database, this.flush);
  }
}

class PreparedSqliteDriver implements Driver {
  private readonly connection: PreparedSqliteConnection;
  private readonly waiting: (() => void)[] = [];
  private isHeld = false;

  constructor(
    private readonly database: SqliteDatabase,
    flush: (() => Promise<void>) | undefined,
  ) {
    this.connection = new PreparedSqliteConnection(database, flush);
  }

  async init(): Promise<void> {}

  acquireConnection(): Promise<DatabaseConnection> {
    if (!this.isHeld) {
      this.isHeld = true;
      return Promise.resolve(this.connection);
    }
    return new Promise((resolve) => this.waiting.push(() => resolve(this.connection)));
  }

  async releaseConnection(): Promise<void> {
    const next = this.waiting.shift();
    if (next === undefined) this.isHeld = false;
    else next();
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
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

class PreparedSqliteConnection implements DatabaseConnection {
  private readonly statements = new Map<string, Statement>();

  constructor(
    private readonly database: SqliteDatabase,
    private readonly flush: (() => Promise<void>) | undefined,
  ) {}

  private prepare(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      if (this.statements.size >= STATEMENT_CACHE_SIZE) this.statements.clear();
      statement = this.database.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
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
      hasWritten = changes > 0 || (wasInTransaction && compiledQuery.sql !== 'rollback');
    }
    // A commit (of a transaction, or of a statement on its own) is durable before it is answered.
    const isCommitted = hasWritten && !this.database.inTransaction;
    if (this.flush !== undefined && isCommitted) return this.flush().then(() => result);
    return Promise.resolve(result);
  }

  streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('The SQLite store does not stream queries');
  }
}
