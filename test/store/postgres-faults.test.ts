import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { ErrorCode, isAppError } from '../../src/core/errors.js';
import type { PostgresTimeouts } from '../../src/store/open-postgres.js';
import { openStore } from '../../src/store/open-store.js';
import { visitorClient, type WireEvent } from '../support/chat-clients.js';
import { databaseTargets, POSTGRES_URL } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { send, type HttpResponse } from '../support/http-client.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import {
  acceptAs,
  accountSeed,
  applySeed,
  putAgentOnline,
  startTestServer,
  type TestServer,
} from '../support/test-server.js';

// Short deadlines, so a fault is answered within seconds; HANG_MS is the hang check (never reached
// by a working server), not a timing assertion.
const TIMEOUTS: PostgresTimeouts = { connectMs: 1_000, statementMs: 1_500, queryMs: 2_000 };
const HANG_MS = 30_000;
const GENEROUS_TIMEOUTS: PostgresTimeouts = { connectMs: 10_000, statementMs: 15_000, queryMs: 20_000 };

const postgres = (await databaseTargets()).find((target) => target.name === 'postgres');

/** The answer, or a failure naming the request when the server does not answer within HANG_MS. */
async function answered(what: string, request: Promise<HttpResponse>): Promise<HttpResponse> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} got no answer within ${HANG_MS} ms`)), HANG_MS);
  });
  try {
    return await Promise.race([request, hang]);
  } finally {
    clearTimeout(timer);
  }
}

/** A database fault as documented: 503, Retry-After ≥ 1 s, the envelope with internalCode 99. */
function assertRetryable503(response: HttpResponse): void {
  assert.equal(response.status, 503, response.text);
  assert.ok(Number(response.header('retry-after')) >= 1, `Retry-After: ${response.header('retry-after')}`);
  const { error } = response.json() as { error: Record<string, unknown> };
  assert.deepEqual(Object.keys(error), ['time', 'message', 'internalCode', 'responseStatus']);
  assert.equal(error.internalCode, 99);
  assert.doesNotMatch(String(error.message), /terminat|timeout|ECONN/i, 'no driver detail reaches the client');
}

/** A seeded account with one accepted chat, and its visitor posting lines. */
async function chatOn(server: TestServer) {
  const { accountId, seed } = accountSeed();
  await applySeed(server.core, seed);
  await putAgentOnline(server, accountId, 2001);
  const visitor = visitorClient(server.baseUrl, accountId, seed.accounts[0]!.appKeys[0]!);
  const chatId = await visitor.start({ skill: 'Sales' });
  await acceptAs(server, accountId, chatId, 2001);
  const acknowledged: string[] = [];
  const post = (text: string) =>
    answered(`line ${text}`, visitor.post(`/chat/${chatId}/events.json`, { event: { '@type': 'line', text } }));
  /** One attempt: a 201 is recorded as acknowledged; anything else must be the retryable 503. */
  const tryLine = async (text: string): Promise<boolean> => {
    const response = await post(text);
    if (response.status === 201) {
      acknowledged.push(text);
      return true;
    }
    assertRetryable503(response);
    return false;
  };
  /** What a client does with a 503: try again until the line is stored; how many attempts failed. */
  const lineWithRetry = async (text: string): Promise<number> => {
    let failures = 0;
    await eventually(`line ${text} stored`, async () => {
      const stored = await tryLine(text);
      if (!stored) failures += 1;
      return stored;
    });
    return failures;
  };
  const storedLines = async (): Promise<string[]> => {
    const events: WireEvent[] = await visitor.events(chatId);
    return events.filter((event) => event['@type'] === 'line').map((event) => event.text ?? '');
  };
  return { acknowledged, tryLine, lineWithRetry, storedLines };
}

describe('PostgreSQL backends terminated under traffic', { skip: postgres?.unavailable }, () => {
  const database = `parley_fault_${randomBytes(6).toString('hex')}`;
  const databaseUrl = Object.assign(new URL(POSTGRES_URL), { pathname: `/${database}` }).toString();
  let admin: pg.Client;
  let server: TestServer;

  /** Terminates every backend of the test's own database (never the shared one); how many. */
  const terminateBackends = async (): Promise<number> => {
    // In the select list, not the where clause: the planner may test a where clause's conditions in
    // any order, and must never terminate another database's backends.
    const { rows } = await admin.query<{ terminated: boolean }>(
      'select pg_terminate_backend(pid) as terminated from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
      [database],
    );
    return rows.filter((row) => row.terminated).length;
  };
  const backendCount = async (): Promise<number> => {
    const { rows } = await admin.query<{ count: string }>('select count(*) from pg_stat_activity where datname = $1', [
      database,
    ]);
    return Number(rows[0]?.count);
  };

  before(async () => {
    admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    await admin.query(`create database ${database}`);
    server = await startTestServer(postgres!, {
      database: { kind: 'postgres', url: databaseUrl },
      // A terminated backend fails at once, whatever the deadlines: generous ones, so that the
      // recovered lines below succeed at their first attempt however busy the machine is.
      postgresTimeouts: GENEROUS_TIMEOUTS,
    });
  });

  after(async () => {
    await server?.close();
    await admin.query(`drop database if exists ${database} with (force)`);
    await admin.end();
  });

  it('rolls back a transaction whose backend is terminated between statements, and reports UNAVAILABLE', async () => {
    const { accountId, seed } = accountSeed();
    await applySeed(server.core, seed);
    const stray = `${accountId}9`;
    const failure = await server.store
      .transaction(async (tx) => {
        const account = await tx.accounts.get(accountId);
        assert.ok(account !== undefined);
        await tx.accounts.save({ ...account, id: stray, name: 'never committed' });
        assert.ok((await terminateBackends()) > 0);
        // The client is checked out and idle when its backend goes: its 'error' event must not
        // crash the process (it did), and the next statement must fail, not run elsewhere.
        await eventually('the backends are gone', async () => (await backendCount()) === 0);
        await tx.accounts.list();
        return undefined;
      })
      .catch((error: unknown) => error);
    assert.ok(isAppError(failure), String(failure));
    assert.equal(failure.code, ErrorCode.UNAVAILABLE);
    assert.ok((failure.retryAfterMs ?? 0) > 0);
    // PostgreSQL rolled the transaction back with its session, and the pool serves again.
    let stored: unknown = 'unread';
    await eventually('the store answers again', async () => {
      stored = await server.store.accounts.get(stray).catch(() => 'unread');
      return stored !== 'unread';
    });
    assert.equal(stored, undefined);
  });

  it('gives up a lock wait at the statement timeout with UNAVAILABLE, and the lock is taken once free', async () => {
    const { accountId } = accountSeed();
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let signalLocked = (): void => undefined;
    const locked = new Promise<void>((resolve) => (signalLocked = resolve));
    const holder = server.store.transaction(async (tx) => {
      await tx.lockAccount(accountId);
      signalLocked();
      await held;
    });
    await locked;
    // The waiter has the short deadlines (the server's are generous, see `before`).
    const short = openStore({ kind: 'postgres', url: databaseUrl }, { postgresTimeouts: TIMEOUTS, poolSize: 1 });
    const waited = await short.store
      .transaction((tx) => tx.lockAccount(accountId))
      .then(
        () => 'locked',
        (error: unknown) => error,
      )
      .finally(() => short.store.close());
    release();
    await holder;
    assert.ok(isAppError(waited), String(waited));
    assert.equal(waited.code, ErrorCode.UNAVAILABLE);
    await server.store.transaction((tx) => tx.lockAccount(accountId));
  });

  it('keeps serving: failed line posts answer 503, retries store them, the pool recovers, nothing acknowledged is lost', async (t) => {
    const chat = await chatOn(server);
    let isDone = false;
    let failures = 0;
    let next = 0;
    const worker = async (name: string) => {
      while (!isDone) failures += await chat.lineWithRetry(`${name}-${next++}`);
    };
    const workers = ['a', 'b', 'c', 'd'].map(worker);
    let terminated = 0;
    try {
      for (let round = 0; round < 5; round++) {
        const seen = chat.acknowledged.length;
        await eventually('lines flow', async () => chat.acknowledged.length >= seen + 8);
        terminated += await terminateBackends();
      }
    } finally {
      isDone = true;
      await Promise.all(workers);
    }
    assert.ok(terminated >= 5, `terminated ${terminated} backends`);
    t.diagnostic(`${terminated} backends terminated; ${failures} answers were 503 and retried`);

    // Recovered: once one line is stored again, the following ones are stored at the first attempt.
    await chat.lineWithRetry('after-terminations');
    for (let index = 0; index < 10; index++) assert.equal(await chat.tryLine(`settled-${index}`), true);
    const health = await answered('health', send(server.baseUrl, 'GET', '/health'));
    assert.equal(health.status, 200);

    const stored = new Set(await chat.storedLines());
    const lost = chat.acknowledged.filter((text) => !stored.has(text));
    assert.deepEqual(lost, [], `acknowledged but lost (${failures} retried answers)`);
  });
});

describe('PostgreSQL behind a proxy that black-holes and resets', { skip: postgres?.unavailable }, () => {
  let proxy: TcpProxy;
  let server: TestServer;
  let drop: () => Promise<void>;
  let chat: Awaited<ReturnType<typeof chatOn>>;
  let count = 0;

  before(async () => {
    const created = await postgres!.create();
    drop = created.drop;
    assert.equal(created.location.kind, 'postgres');
    const direct = new URL(POSTGRES_URL);
    proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    const viaProxy = Object.assign(new URL(POSTGRES_URL), { host: `127.0.0.1:${proxy.port}` }).toString();
    server = await startTestServer(postgres!, {
      database: { ...created.location, url: viaProxy },
      postgresTimeouts: TIMEOUTS,
    });
    chat = await chatOn(server);
  });

  after(async () => {
    await server?.close();
    await proxy?.close();
    await drop?.();
  });

  /**
   * Opens connections first, so requests also meet the fault on connections already in the pool;
   * then, under the fault, more lines at once than the pool holds, and a health check.
   */
  const underFault = async (mode: 'black-hole' | 'reset') => {
    await Promise.all([1, 2, 3, 4].map(() => chat.lineWithRetry(`warm-${count++}`)));
    proxy.setMode(mode);
    const lines = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map(() => chat.tryLine(`faulted-${count++}`)));
    const health = await answered('health', send(server.baseUrl, 'GET', '/health'));
    // tryLine has asserted that every line not stored was answered with the retryable 503.
    assert.deepEqual(lines, [false, false, false, false, false, false, false, false]);
    assert.equal(health.status, 503);
    assert.ok(Number(health.header('retry-after')) >= 1);
    assert.deepEqual(health.json(), {
      status: 'unavailable',
      ready: false,
      node: server.core.nodes.id,
      store: 'unreachable',
    });
  };

  const assertRecovers = async () => {
    proxy.setMode('pass');
    await chat.lineWithRetry(`recovered-${count++}`);
    for (let index = 0; index < 5; index++) assert.equal(await chat.tryLine(`after-${count++}`), true);
    assert.equal((await answered('health', send(server.baseUrl, 'GET', '/health'))).status, 200);
  };

  it('answers every request with 503 and Retry-After while the database is black-holed, then recovers', async () => {
    await underFault('black-hole');
    await assertRecovers();
  });

  it('answers every request with 503 and Retry-After while connections are reset, then recovers', async () => {
    await underFault('reset');
    await assertRecovers();
  });

  it('loses no acknowledged line', async () => {
    const stored = new Set(await chat.storedLines());
    assert.deepEqual(
      chat.acknowledged.filter((text) => !stored.has(text)),
      [],
    );
  });
});
