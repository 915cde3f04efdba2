import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { IdempotencyRecord, Store } from '../../src/core/ports.js';
import { contractStore } from '../support/contract-store.js';
import { databaseTargets } from '../support/databases.js';

/**
 * The Store port's contract for what keeps requests from being applied twice: OAuth 1.0 nonces
 * and idempotency keys (src/core/ports.ts), on every database target. Each test uses its own
 * scope, so tests neither see nor depend on each other's rows.
 */

const T0 = Date.UTC(2026, 10, 21, 9, 30, 0);
const WINDOW = 600_000;
/** Small, so that a sweep of a few rows takes several statements. */
const SWEEP_BATCH = 3;

let sequence = 0;
const freshScope = (): string => `scope-${++sequence}`;

function aRecord(scope: string, overrides: Partial<IdempotencyRecord> = {}): IdempotencyRecord {
  return {
    accountId: 'acct-keys',
    scope,
    key: 'key-1',
    fingerprint: 'f'.repeat(64),
    result: '7',
    createdAt: T0,
    expiresAt: T0 + WINDOW,
    ...overrides,
  };
}

for (const target of await databaseTargets()) {
  describe(`Store contract for nonces and idempotency keys on ${target.name}`, { skip: target.unavailable }, () => {
    const subject = contractStore(target, { sweepBatchSize: SWEEP_BATCH });
    let store: Store;
    before(() => {
      store = subject.store;
    });

    describe('nonces', () => {
      it('records a new nonce and refuses it again until it expires', async () => {
        const scope = freshScope();
        assert.equal(await store.nonces.remember(scope, 'n1', T0, T0 + WINDOW), true);
        assert.equal(await store.nonces.remember(scope, 'n1', T0 + 1, T0 + 1 + WINDOW), false);
        assert.equal(await store.nonces.remember(scope, 'n1', T0 + WINDOW - 1, T0 + 2 * WINDOW), false);
      });

      it('keeps the nonces of two scopes apart', async () => {
        const [a, b] = [freshScope(), freshScope()];
        assert.equal(await store.nonces.remember(a, 'shared', T0, T0 + WINDOW), true);
        assert.equal(await store.nonces.remember(b, 'shared', T0, T0 + WINDOW), true);
      });

      it('takes over an expired nonce that was not swept yet, for a new window', async () => {
        const scope = freshScope();
        await store.nonces.remember(scope, 'n', T0, T0 + WINDOW);
        assert.equal(await store.nonces.remember(scope, 'n', T0 + WINDOW, T0 + 2 * WINDOW), true);
        assert.equal(await store.nonces.remember(scope, 'n', T0 + WINDOW + 1, T0 + 3 * WINDOW), false);
      });

      it('lets exactly one of many concurrent requests with one nonce pass', async () => {
        const scope = freshScope();
        const answers = await Promise.all(
          Array.from({ length: 8 }, () => store.nonces.remember(scope, 'raced', T0, T0 + WINDOW)),
        );
        assert.deepEqual(
          answers.filter((answer) => answer),
          [true],
        );
      });

      it('deleteExpired forgets exactly the nonces expired at that time', async () => {
        const scope = freshScope();
        // Far in the future, so no other test's rows expire with these.
        const at = T0 + 1000 * WINDOW;
        await store.nonces.deleteExpired(at);
        await store.nonces.remember(scope, 'old', at, at + 10);
        await store.nonces.remember(scope, 'new', at, at + 20);
        assert.equal(await store.nonces.deleteExpired(at + 10), 1);
        assert.equal(await store.nonces.deleteExpired(at + 10), 0);
        // 'new' is still there: it is refused, while 'old' is gone and may be recorded below its expiry.
        assert.equal(await store.nonces.remember(scope, 'new', at + 11, at + 30), false);
        assert.equal(await store.nonces.remember(scope, 'old', at, at + 10), true);
      });

      it('deleteExpired forgets a backlog larger than one batch, in several, and nothing live', async () => {
        const scope = freshScope();
        const at = T0 + 2000 * WINDOW;
        await store.nonces.deleteExpired(at);
        const expired = Array.from({ length: 2 * SWEEP_BATCH + 1 }, (_, index) => `old-${index}`);
        for (const nonce of expired) await store.nonces.remember(scope, nonce, at, at + 10);
        await store.nonces.remember(scope, 'live', at, at + 20);
        subject.deletes = 0;
        assert.equal(await store.nonces.deleteExpired(at + 10), expired.length);
        // One statement per batch, the last one short.
        assert.equal(subject.deletes, 3);
        for (const nonce of expired) assert.equal(await store.nonces.remember(scope, nonce, at, at + 10), true);
        assert.equal(await store.nonces.remember(scope, 'live', at + 11, at + 30), false);
      });
    });

    describe('idempotency keys', () => {
      it('returns a created record as it was given', async () => {
        const record = aRecord(freshScope());
        assert.equal(await store.idempotencyKeys.create(record), true);
        assert.deepEqual(await store.idempotencyKeys.get(record.accountId, record.scope, record.key, T0), record);
      });

      it('refuses a second record of a live key and keeps the first', async () => {
        const record = aRecord(freshScope());
        await store.idempotencyKeys.create(record);
        assert.equal(await store.idempotencyKeys.create({ ...record, result: '8', createdAt: T0 + 1 }), false);
        assert.equal(
          (await store.idempotencyKeys.get(record.accountId, record.scope, record.key, T0 + 1))?.result,
          '7',
        );
      });

      it('ignores an expired key and lets a new record take it over', async () => {
        const record = aRecord(freshScope());
        await store.idempotencyKeys.create(record);
        const later = T0 + WINDOW;
        assert.equal(await store.idempotencyKeys.get(record.accountId, record.scope, record.key, later), undefined);
        const renewed = { ...record, result: '9', createdAt: later, expiresAt: later + WINDOW };
        assert.equal(await store.idempotencyKeys.create(renewed), true);
        assert.deepEqual(await store.idempotencyKeys.get(record.accountId, record.scope, record.key, later), renewed);
      });

      it('keeps one key of two scopes or two accounts apart', async () => {
        const record = aRecord(freshScope());
        await store.idempotencyKeys.create(record);
        assert.equal(await store.idempotencyKeys.create({ ...record, scope: freshScope() }), true);
        assert.equal(await store.idempotencyKeys.create({ ...record, accountId: 'acct-other' }), true);
        assert.equal(await store.idempotencyKeys.get(record.accountId, freshScope(), record.key, T0), undefined);
      });

      it('forgets a key recorded in a transaction that rolls back', async () => {
        const record = aRecord(freshScope());
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.idempotencyKeys.create(record);
            throw new Error('the change failed');
          }),
          /the change failed/,
        );
        assert.equal(await store.idempotencyKeys.get(record.accountId, record.scope, record.key, T0), undefined);
      });

      it('deleteExpired forgets exactly the keys expired at that time', async () => {
        const scope = freshScope();
        const at = T0 + 1000 * WINDOW;
        await store.idempotencyKeys.create(aRecord(scope, { key: 'old', createdAt: at, expiresAt: at + 10 }));
        await store.idempotencyKeys.create(aRecord(scope, { key: 'new', createdAt: at, expiresAt: at + 20 }));
        await store.idempotencyKeys.deleteExpired(at + 10);
        assert.equal(await store.idempotencyKeys.get('acct-keys', scope, 'new', at + 10).then(Boolean), true);
        // The old row is gone, not merely expired: a create below its expiry time succeeds.
        assert.equal(
          await store.idempotencyKeys.create(aRecord(scope, { key: 'old', createdAt: at, expiresAt: at + 10 })),
          true,
        );
      });

      it('deleteExpired forgets a backlog of whole batches, and nothing live', async () => {
        const scope = freshScope();
        const at = T0 + 2000 * WINDOW;
        await store.idempotencyKeys.deleteExpired(at);
        const expired = Array.from({ length: 2 * SWEEP_BATCH }, (_, index) => `old-${index}`);
        for (const key of expired) {
          await store.idempotencyKeys.create(aRecord(scope, { key, createdAt: at, expiresAt: at + 10 }));
        }
        await store.idempotencyKeys.create(aRecord(scope, { key: 'live', createdAt: at, expiresAt: at + 20 }));
        subject.deletes = 0;
        assert.equal(await store.idempotencyKeys.deleteExpired(at + 10), expired.length);
        // One statement per batch, the last one short.
        assert.equal(subject.deletes, 3);
        assert.equal(await store.idempotencyKeys.deleteExpired(at + 10), 0);
        assert.equal(await store.idempotencyKeys.get('acct-keys', scope, 'live', at + 10).then(Boolean), true);
        for (const key of expired) {
          assert.equal(
            await store.idempotencyKeys.create(aRecord(scope, { key, createdAt: at, expiresAt: at + 10 })),
            true,
          );
        }
      });
    });
  });
}
