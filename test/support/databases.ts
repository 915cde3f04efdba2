import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import pg from 'pg';
import type { DatabaseLocation } from '../../src/store/open-store.js';
import type { PostgresTimeouts } from '../../src/store/open-postgres.js';

/**
 * The databases every store-backed test runs against: a fresh SQLite file, and a fresh schema in
 * PostgreSQL (PARLEY_TEST_DATABASE_URL, default the local server). Without PostgreSQL the suite is
 * reported as skipped with the reason; with PARLEY_TEST_REQUIRE_SERVICES=1 (CI) it fails instead.
 */
export interface DatabaseTarget {
  name: 'sqlite' | 'postgres';
  /** Why this target cannot run here, or undefined when it can. */
  unavailable: string | undefined;
  /** A new, empty database location and a function that removes it. */
  create(): Promise<{ location: DatabaseLocation; drop(): Promise<void> }>;
}

export const POSTGRES_URL = process.env.PARLEY_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const requireServices = process.env.PARLEY_TEST_REQUIRE_SERVICES === '1';

/**
 * PostgreSQL deadlines for the tests that are not about them. Production's (a connection within
 * 3 s, a statement within 5 s) answer 503 when a busy 2-core machine, running other suites beside
 * this one against the same PostgreSQL, keeps a small test pool's connections a few seconds; a
 * test that wants those 503s (test/store/postgres-faults.test.ts) sets its own short ones.
 */
export const TEST_POSTGRES_TIMEOUTS: PostgresTimeouts = { connectMs: 30_000, statementMs: 30_000, queryMs: 35_000 };

async function postgresProblem(): Promise<string | undefined> {
  // Generous: on a busy machine a first connection may take seconds, and with
  // PARLEY_TEST_REQUIRE_SERVICES=1 a slow answer would fail the whole file as "not reachable".
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 20_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    const problem = `PostgreSQL at ${POSTGRES_URL} is not reachable (${error instanceof Error ? error.message : String(error)})`;
    if (requireServices) throw new Error(`${problem}; PARLEY_TEST_REQUIRE_SERVICES=1 requires it`);
    return problem;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const sqliteTarget: DatabaseTarget = {
  name: 'sqlite',
  unavailable: undefined,
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'parley-test-'));
    return {
      location: { kind: 'sqlite', path: join(dir, 'parley.db') },
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
};

const postgresTarget = (unavailable: string | undefined): DatabaseTarget => ({
  name: 'postgres',
  unavailable,
  async create() {
    const schema = `parley_test_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    return {
      location: { kind: 'postgres', url: POSTGRES_URL, schema },
      drop: async () => {
        const client = new pg.Client({ connectionString: POSTGRES_URL });
        await client.connect();
        await client.query(`drop schema if exists ${schema} cascade`);
        await client.end();
      },
    };
  },
});

let targets: Promise<DatabaseTarget[]> | undefined;

/** SQLite always; PostgreSQL when reachable (required in CI). */
export function databaseTargets(): Promise<DatabaseTarget[]> {
  targets ??= postgresProblem().then((problem) => [sqliteTarget, postgresTarget(problem)]);
  return targets;
}
