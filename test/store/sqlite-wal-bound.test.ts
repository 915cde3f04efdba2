import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultAccountSettings } from '../../src/core/model.js';
import { openStore, type OpenedStore } from '../../src/store/open-store.js';
import type { CheckpointReport } from '../../src/store/sqlite-wal-bound.js';

/** Small, so that a few thousand writes cross it many times. */
const HIGH_WATER_BYTES = 1024 * 1024;
/**
 * What one commit of the test adds to the WAL at most: a few 4 KiB pages (the row's leaf, two
 * index leaves, the occasional split), each framed with 24 bytes; generously rounded up.
 */
const ONE_COMMIT_BYTES = 128 * 1024;
const WRITERS = 64;
const WRITES_PER_WRITER = 60;

describe('the SQLite WAL under sustained writes', () => {
  let dir: string;
  let opened: OpenedStore;
  let walPath: string;
  let largestWal = 0;
  let shrinks = 0;
  let lastWal = 0;
  /** Each full checkpoint the store told of. */
  const checkpoints: CheckpointReport[] = [];
  /** Reads the -wal file's size; called after every statement and every write. */
  const sample = () => {
    let size: number;
    try {
      size = statSync(walPath).size;
    } catch {
      return;
    }
    if (size < lastWal) shrinks += 1;
    lastWal = size;
    largestWal = Math.max(largestWal, size);
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-wal-'));
    const path = join(dir, 'parley.db');
    walPath = `${path}-wal`;
    opened = openStore(
      { kind: 'sqlite', path },
      { walHighWaterBytes: HIGH_WATER_BYTES, onQuery: sample, onCheckpoint: (report) => checkpoints.push(report) },
    );
    await opened.migrate();
  });
  after(async () => {
    await opened.store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stays within its high-water mark plus one commit at full write speed, and keeps every write', async () => {
    const { store } = opened;
    await store.accounts.save({
      id: '70000001',
      name: 'WAL',
      appKeys: [],
      settings: defaultAccountSettings,
      surveys: {},
      createdAt: 0,
      updatedAt: 0,
    });
    const filler = 'x'.repeat(1_000);
    // Writers never wait for one another: the connection is never idle for a PASSIVE checkpoint to
    // catch up, which is what let the WAL grow to gigabytes.
    const writer = async (writerId: number) => {
      for (let n = 0; n < WRITES_PER_WRITER; n += 1) {
        await store.offlineMessages.save({
          accountId: '70000001',
          id: `${writerId}-${n}`,
          skill: null,
          survey: { surveyId: 's', answers: [], submittedAt: n },
          visitor: { visitorIp: '127.0.0.1', userAgent: 'test', referrer: '' },
          context: { filler },
          createdAt: writerId * WRITES_PER_WRITER + n,
        });
        sample();
      }
    };
    await Promise.all(Array.from({ length: WRITERS }, (_, writerId) => writer(writerId)));

    const stored = await store.offlineMessages.list('70000001', WRITERS * WRITES_PER_WRITER + 1);
    assert.equal(stored.length, WRITERS * WRITES_PER_WRITER);
    assert.equal(new Set(stored.map((message) => message.id)).size, WRITERS * WRITES_PER_WRITER);
    // Tens of MB went through the WAL, and it was started over again and again.
    assert.ok(shrinks >= 3, `the WAL was cut back ${shrinks} times`);
    assert.ok(
      largestWal <= HIGH_WATER_BYTES + ONE_COMMIT_BYTES,
      `the WAL reached ${largestWal} bytes (bound ${HIGH_WATER_BYTES + ONE_COMMIT_BYTES})`,
    );
    // Each full checkpoint was told of, as it went (for the server to log the long ones): begun
    // over the mark, finished, since no other connection read the WAL.
    assert.ok(checkpoints.length >= 1, 'no checkpoint was told of');
    for (const checkpoint of checkpoints) {
      assert.equal(checkpoint.isComplete, true);
      assert.ok(checkpoint.walBytes > HIGH_WATER_BYTES, `a checkpoint began at ${checkpoint.walBytes} bytes`);
      assert.ok(checkpoint.ms >= 0);
    }
  });
});
