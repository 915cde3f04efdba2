import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Store } from '../../src/core/ports.js';
import { contractStore } from '../support/contract-store.js';
import { databaseTargets } from '../support/databases.js';

/**
 * The Store port's contract for known login sources (src/core/ports.ts), on every database target.
 * Each test uses its own account, so tests neither see nor depend on each other's rows.
 */

/** A time past 2^32 ms, so a 32-bit or string read of bigint columns would show. */
const T0 = Date.UTC(2026, 10, 21, 9, 30, 0);
const DAY = 86_400_000;
const SOURCE = 'a'.repeat(64);
const OTHER_SOURCE = 'b'.repeat(64);
/** Small, so that a sweep of a few rows takes several statements. */
const SWEEP_BATCH = 3;

let sequence = 0;
const freshAccountId = (): string => `acct-src-${++sequence}`;

for (const target of await databaseTargets()) {
  describe(`Store contract for known login sources on ${target.name}`, { skip: target.unavailable }, () => {
    const subject = contractStore(target, { sweepBatchSize: SWEEP_BATCH });
    let store: Store;
    before(() => {
      store = subject.store;
    });

    it('knows no source before a success is recorded from it', async () => {
      assert.equal(await store.knownLoginSources.lastSuccess(freshAccountId(), 2001, SOURCE), undefined);
    });

    it('returns the time of the success recorded, as a number', async () => {
      const accountId = freshAccountId();
      await store.knownLoginSources.recordSuccess(accountId, 2001, SOURCE, T0);
      assert.equal(await store.knownLoginSources.lastSuccess(accountId, 2001, SOURCE), T0);
    });

    it('keeps the latest success, also when an earlier one is recorded after it', async () => {
      const accountId = freshAccountId();
      await store.knownLoginSources.recordSuccess(accountId, 2001, SOURCE, T0 + DAY);
      await store.knownLoginSources.recordSuccess(accountId, 2001, SOURCE, T0);
      assert.equal(await store.knownLoginSources.lastSuccess(accountId, 2001, SOURCE), T0 + DAY);
      await store.knownLoginSources.recordSuccess(accountId, 2001, SOURCE, T0 + 2 * DAY);
      assert.equal(await store.knownLoginSources.lastSuccess(accountId, 2001, SOURCE), T0 + 2 * DAY);
    });

    it('keeps sources of two users, two accounts and two address groups apart', async () => {
      const [a, b] = [freshAccountId(), freshAccountId()];
      await store.knownLoginSources.recordSuccess(a, 2001, SOURCE, T0);
      assert.equal(await store.knownLoginSources.lastSuccess(a, 2002, SOURCE), undefined);
      assert.equal(await store.knownLoginSources.lastSuccess(b, 2001, SOURCE), undefined);
      assert.equal(await store.knownLoginSources.lastSuccess(a, 2001, OTHER_SOURCE), undefined);
    });

    it('forgets a success recorded in a transaction that rolls back', async () => {
      const accountId = freshAccountId();
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.knownLoginSources.recordSuccess(accountId, 2001, SOURCE, T0);
          throw new Error('the login failed');
        }),
        /the login failed/,
      );
      assert.equal(await store.knownLoginSources.lastSuccess(accountId, 2001, SOURCE), undefined);
    });

    it('deleteOlderThan forgets exactly the sources last used before that time', async () => {
      const accountId = freshAccountId();
      // Far in the future, so no other test's rows are deleted with these.
      const at = T0 + 10_000 * DAY;
      await store.knownLoginSources.deleteOlderThan(at);
      await store.knownLoginSources.recordSuccess(accountId, 2001, SOURCE, at);
      await store.knownLoginSources.recordSuccess(accountId, 2001, OTHER_SOURCE, at + 10);
      assert.equal(await store.knownLoginSources.deleteOlderThan(at + 10), 1);
      assert.equal(await store.knownLoginSources.deleteOlderThan(at + 10), 0);
      assert.equal(await store.knownLoginSources.lastSuccess(accountId, 2001, SOURCE), undefined);
      assert.equal(await store.knownLoginSources.lastSuccess(accountId, 2001, OTHER_SOURCE), at + 10);
    });

    it('deleteOlderThan forgets a backlog larger than one batch, in several, and nothing recent', async () => {
      const accountId = freshAccountId();
      const at = T0 + 20_000 * DAY;
      await store.knownLoginSources.deleteOlderThan(at);
      const users = Array.from({ length: 2 * SWEEP_BATCH + 1 }, (_, index) => 3000 + index);
      for (const userId of users) await store.knownLoginSources.recordSuccess(accountId, userId, SOURCE, at);
      await store.knownLoginSources.recordSuccess(accountId, 2001, SOURCE, at + 10);
      subject.deletes = 0;
      assert.equal(await store.knownLoginSources.deleteOlderThan(at + 10), users.length);
      // One statement per batch, the last one short.
      assert.equal(subject.deletes, 3);
      for (const userId of users) {
        assert.equal(await store.knownLoginSources.lastSuccess(accountId, userId, SOURCE), undefined);
      }
      assert.equal(await store.knownLoginSources.lastSuccess(accountId, 2001, SOURCE), at + 10);
    });
  });
}
