import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError, ErrorCode } from '../../src/core/errors.js';
import { SqliteFaults } from '../../src/store/sqlite-faults.js';

/** An error as better-sqlite3 (SqliteError) or node:fs reports it: a message and a code. */
const fault = (code: string): Error => Object.assign(new Error(`failed: ${code}`), { code });

const MIB = 1024 * 1024;

describe('SQLite faults', () => {
  it('answers a full disk with a retryable UNAVAILABLE and reports disk-full until there is room again', async () => {
    let free = 0;
    const faults = new SqliteFaults('/data', async () => free);
    try {
      assert.equal(faults.condition(), 'ok');
      for (const code of ['SQLITE_FULL', 'ENOSPC', 'EDQUOT']) {
        const error = faults.translate(fault(code));
        assert.ok(error instanceof AppError);
        assert.equal(error.code, ErrorCode.UNAVAILABLE);
        assert.equal(error.retryAfterMs, 5_000);
        assert.equal(faults.condition(), 'disk-full');
      }
      // A few freed kilobytes are not room enough.
      free = 64 * 1024;
      await faults.checkFreeSpace();
      assert.equal(faults.condition(), 'disk-full');
      free = 100 * MIB;
      await faults.checkFreeSpace();
      assert.equal(faults.condition(), 'ok');
    } finally {
      faults.close();
    }
  });

  it('answers an I/O error and a lock held past the busy timeout with UNAVAILABLE, the disk still ok', () => {
    const faults = new SqliteFaults('/data', async () => 0);
    for (const [code, retryAfterMs] of [
      ['SQLITE_IOERR_FSYNC', 5_000],
      ['SQLITE_IOERR_SHMSIZE', 5_000],
      ['EIO', 5_000],
      ['SQLITE_BUSY', 1_000],
      ['SQLITE_BUSY_SNAPSHOT', 1_000],
    ] as const) {
      const error = faults.translate(fault(code));
      assert.ok(error instanceof AppError, code);
      assert.equal(error.code, ErrorCode.UNAVAILABLE);
      assert.equal(error.retryAfterMs, retryAfterMs);
      // The original stays attached for the log; the message sent to clients is our own.
      assert.ok(error.cause instanceof Error);
      assert.equal(error.cause.message, `failed: ${code}`);
      assert.ok(!error.message.includes(code));
    }
    assert.equal(faults.condition(), 'ok');
  });

  it('leaves errors that are not faults of the disk or a lock as they are', () => {
    const faults = new SqliteFaults('/data', async () => 0);
    const constraint = fault('SQLITE_CONSTRAINT_PRIMARYKEY');
    const bug = new TypeError('undefined is not a function');
    assert.equal(faults.translate(constraint), constraint);
    assert.equal(faults.translate(bug), bug);
    assert.equal(faults.condition(), 'ok');
  });

  it('does not stay unhealthy when the free space cannot be read', async () => {
    const faults = new SqliteFaults('/data', async () => {
      throw fault('ENOSYS');
    });
    faults.translate(fault('SQLITE_FULL'));
    assert.equal(faults.condition(), 'disk-full');
    await faults.checkFreeSpace();
    assert.equal(faults.condition(), 'ok');
  });
});
