import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { defaultAccountSettings } from '../../src/core/model.js';
import { openStore, type OpenedStore } from '../../src/store/open-store.js';
import { externalVersionOf, walIndexOf, type WalIndex } from '../../src/store/sqlite-external-version.js';

/**
 * The external version of a SQLite store moves when another process commits, and not with this
 * process's own writes and checkpoints: sqlite-external-version.ts.
 */

/** A database and its WAL index, as two processes see them: `data_version` moves with what the other does. */
function fakeDatabase() {
  const state = { dataVersion: 1, commits: 10, readable: true, versionReads: 0 };
  const walIndex: WalIndex = {
    commits: () => (state.readable ? state.commits : undefined),
    close: () => undefined,
  };
  const other = {
    commit() {
      state.commits += 1;
      state.dataVersion += 1;
    },
  };
  const dataVersion = () => {
    state.versionReads += 1;
    return state.dataVersion;
  };
  return { state, other, version: externalVersionOf(dataVersion, walIndex) };
}

describe('the external version', () => {
  it('reads data_version again only once the commit counter has moved', () => {
    const { version, other, state } = fakeDatabase();
    const start = version();
    const reads = state.versionReads;
    assert.equal(version(), start);
    assert.equal(version(), start);
    assert.equal(state.versionReads, reads);
    // This process's own commit: the counter moves, data_version does not.
    state.commits += 1;
    assert.equal(version(), start);
    assert.equal(state.versionReads, reads + 1);
    other.commit();
    assert.notEqual(version(), start);
  });

  it('reads data_version every time when the WAL index cannot be read', () => {
    const { version, other, state } = fakeDatabase();
    state.readable = false;
    const start = version();
    const reads = state.versionReads;
    assert.equal(version(), start);
    assert.equal(state.versionReads, reads + 1);
    other.commit();
    assert.notEqual(version(), start);
  });
});

describe('the WAL index of a real SQLite database', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'parley-wal-index-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('counts commits, by any connection, and not checkpoints', () => {
    const path = join(dir, 'index.db');
    const main = new SQLite(path);
    main.pragma('journal_mode = WAL');
    main.exec('create table t (x)');
    const other = new SQLite(path);
    const walIndex = walIndexOf(path);
    try {
      const start = walIndex.commits();
      assert.equal(typeof start, 'number');
      main.exec('insert into t values (1)');
      other.exec('insert into t values (2)');
      assert.equal(walIndex.commits(), start! + 2);
      other.pragma('wal_checkpoint(TRUNCATE)');
      assert.equal(walIndex.commits(), start! + 2);
    } finally {
      walIndex.close();
      other.close();
      main.close();
    }
  });
});

describe('the external version of a SQLite store under sustained writes', () => {
  let dir: string;
  let path: string;
  let opened: OpenedStore;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-version-'));
    path = join(dir, 'parley.db');
    // Small, so that the writes below cross it several times: each crossing is a RESTART checkpoint.
    opened = openStore({ kind: 'sqlite', path }, { walHighWaterBytes: 256 * 1024 });
    await opened.migrate();
  });
  after(async () => {
    await opened.store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("stays put through the store's own writes and checkpoints, and moves with another connection's commit", async () => {
    const { store } = opened;
    await store.catchUp();
    const start = store.externalVersion();
    assert.equal(typeof start, 'number');
    await store.accounts.save({
      id: '70000002',
      name: 'Version',
      appKeys: [],
      settings: defaultAccountSettings,
      surveys: {},
      createdAt: 0,
      updatedAt: 0,
    });
    let shrinks = 0;
    let lastWal = 0;
    for (let n = 0; n < 400; n += 1) {
      await store.offlineMessages.save({
        accountId: '70000002',
        id: `m-${n}`,
        skill: null,
        survey: { surveyId: 's', answers: [], submittedAt: n },
        visitor: { visitorIp: '127.0.0.1', userAgent: 'test', referrer: '' },
        context: { filler: 'x'.repeat(2_000) },
        createdAt: n,
      });
      const wal = statSync(`${path}-wal`).size;
      if (wal < lastWal) shrinks += 1;
      lastWal = wal;
      await store.catchUp();
      assert.equal(store.externalVersion(), start, `after write ${n}`);
    }
    assert.ok(shrinks >= 2, `the WAL was cut back ${shrinks} times`);

    const cli = new SQLite(path);
    try {
      cli.prepare('update accounts set name = ? where id = ?').run('Renamed', '70000002');
    } finally {
      cli.close();
    }
    await store.catchUp();
    assert.notEqual(store.externalVersion(), start);
  });
});
