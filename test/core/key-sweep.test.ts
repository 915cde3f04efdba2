import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { KNOWN_SOURCE_WINDOW_MS } from '../../src/core/auth/login-throttle.js';
import { ManualClock } from '../../src/core/clock.js';
import type { Core } from '../../src/core/create-core.js';
import { openStore, type OpenedStore } from '../../src/store/open-store.js';
import { createTestCore } from '../support/test-core.js';

describe('the sweep of expired keys', () => {
  let dir: string;
  let opened: OpenedStore;
  let core: Core;
  const clock = new ManualClock(Date.UTC(2026, 10, 21, 9, 30, 0));

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-key-sweep-'));
    opened = openStore({ kind: 'sqlite', path: join(dir, 'parley.db') });
    await opened.migrate();
    core = createTestCore(opened.store, clock);
  });
  after(async () => {
    await opened.store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('still sweeps the other tables when one sweep fails, and reports the failure afterwards', async () => {
    const now = clock.now();
    const record = {
      accountId: 'acct-sweep',
      scope: 'scope',
      key: 'expired',
      fingerprint: 'f'.repeat(64),
      result: '1',
      createdAt: now - 2_000,
      expiresAt: now - 1_000,
    };
    await opened.store.idempotencyKeys.create(record);
    await opened.store.knownLoginSources.recordSuccess(
      'acct-sweep',
      2001,
      'a'.repeat(64),
      now - KNOWN_SOURCE_WINDOW_MS - 1,
    );
    // A real fault of the first sweep: its table is gone.
    const other = new SQLite(join(dir, 'parley.db'));
    other.exec('drop table oauth_nonces');
    other.close();

    await assert.rejects(
      core.sweepExpiredKeys(),
      (error) =>
        error instanceof AggregateError && error.errors.length === 1 && /oauth_nonces/.test(String(error.errors[0])),
    );
    // Gone, not merely expired: a key expired at its time can be recorded again, and the source is unknown.
    assert.equal(await opened.store.idempotencyKeys.create(record), true);
    assert.equal(await opened.store.knownLoginSources.lastSuccess('acct-sweep', 2001, 'a'.repeat(64)), undefined);
  });
});
