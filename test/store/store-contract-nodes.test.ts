import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { NodeRecord, Store } from '../../src/core/ports.js';
import { contractStore } from '../support/contract-store.js';
import { databaseTargets } from '../support/databases.js';

/**
 * The Store port's contract for several nodes (docs/adr/0010-several-nodes.md): the registry, the
 * connections each node holds, and leases, on every database target. Each test uses its own node
 * ids, lease names and sessions, so tests neither see nor depend on each other's rows, except for
 * the sweep of dead nodes' connections, which keeps the live ones'.
 */

const T0 = Date.UTC(2026, 10, 21, 9, 30, 0);
const LIVE_MS = 10_000;

let sequence = 0;
const fresh = (prefix: string): string => `${prefix}-${++sequence}`;

function aNode(overrides: Partial<NodeRecord> = {}): NodeRecord {
  return {
    id: fresh('node'),
    host: 'host-a',
    address: 'host-a:8080',
    pid: 4242,
    startedAt: T0,
    heartbeatAt: T0,
    usesRedis: true,
    isDraining: false,
    ...overrides,
  };
}

for (const target of await databaseTargets()) {
  describe(`Store contract for nodes and leases on ${target.name}`, { skip: target.unavailable }, () => {
    const subject = contractStore(target, { sweepBatchSize: 1_000 });
    let store: Store;
    before(() => {
      store = subject.store;
    });

    it('registers a node, renews its heartbeat, marks it draining and deletes it', async () => {
      const node = aNode({ usesRedis: false });
      await store.nodes.save(node);
      assert.deepEqual(
        (await store.nodes.list()).find((listed) => listed.id === node.id),
        node,
      );
      assert.equal(await store.nodes.heartbeat(node.id, T0 + 2_000), true);
      await store.nodes.setDraining(node.id);
      assert.deepEqual(
        (await store.nodes.list()).find((listed) => listed.id === node.id),
        { ...node, heartbeatAt: T0 + 2_000, isDraining: true },
      );
      await store.nodes.delete(node.id);
      assert.equal(
        (await store.nodes.list()).find((listed) => listed.id === node.id),
        undefined,
      );
      assert.equal(await store.nodes.heartbeat(node.id, T0 + 4_000), false, 'a heartbeat without a row says so');
    });

    it('counts the nodes holding a session, once each, and removes a node’s connections', async () => {
      const [a, b] = [aNode(), aNode()];
      const session = { accountId: 'acct-nodes', sessionId: fresh('s') };
      await store.nodes.addConnection({ nodeId: a.id, ...session });
      await store.nodes.addConnection({ nodeId: a.id, ...session });
      await store.nodes.addConnection({ nodeId: b.id, ...session });
      assert.equal(await store.nodes.countConnections(session.accountId, session.sessionId), 2);
      await store.nodes.removeConnection({ nodeId: b.id, ...session });
      assert.equal(await store.nodes.countConnections(session.accountId, session.sessionId), 1);
      assert.deepEqual(await store.nodes.removeConnectionsOf(a.id), [{ nodeId: a.id, ...session }]);
      assert.equal(await store.nodes.countConnections(session.accountId, session.sessionId), 0);
    });

    it('removes the connections of nodes that are not live, never those of live nodes or of the one kept', async () => {
      const live = aNode({ heartbeatAt: T0 });
      const stale = aNode({ heartbeatAt: T0 - LIVE_MS - 1 });
      await store.nodes.save(live);
      await store.nodes.save(stale);
      const unregistered = fresh('never-registered');
      const self = fresh('self');
      const session = { accountId: 'acct-nodes', sessionId: fresh('s') };
      for (const nodeId of [live.id, stale.id, unregistered, self]) {
        await store.nodes.addConnection({ nodeId, ...session });
      }
      const removed = await store.nodes.removeConnectionsOfDead(T0 - LIVE_MS, self);
      assert.deepEqual(
        removed
          .filter((held) => held.sessionId === session.sessionId)
          .map((held) => held.nodeId)
          .sort(),
        [stale.id, unregistered].sort(),
      );
      assert.equal(await store.nodes.countConnections(session.accountId, session.sessionId), 2);
    });

    it('hands a lease to one holder at a time: renewed by it, taken over once expired or its holder is not live', async () => {
      const lease = fresh('lease');
      const [a, b] = [aNode(), aNode()];
      await store.nodes.save(a);
      await store.nodes.save(b);
      const since = T0 - LIVE_MS;
      assert.equal(await store.leases.take(lease, a.id, T0, T0 + 10_000, since), true, 'free');
      assert.equal(await store.leases.take(lease, b.id, T0 + 1, T0 + 10_001, since), false, 'held by a live A');
      assert.equal(await store.leases.take(lease, a.id, T0 + 2, T0 + 10_002, since), true, 'renewed by A');
      assert.equal(await store.leases.take(lease, b.id, T0 + 9_000, T0 + 19_000, since), false, 'not expired yet');
      assert.equal(await store.leases.take(lease, b.id, T0 + 10_002, T0 + 20_002, since), true, 'expired');
      assert.equal(await store.leases.take(lease, a.id, T0 + 10_003, T0 + 20_003, since), false, 'now B’s');

      // B's heartbeat goes stale (or its row goes): A takes the lease before it expires.
      assert.equal(await store.leases.take(lease, a.id, T0 + 10_004, T0 + 20_004, T0 + 1), true, 'B is not live');
      await store.leases.release(lease, b.id);
      assert.equal(await store.leases.take(lease, b.id, T0 + 10_005, T0 + 20_005, since), false, 'B let nothing go');
      await store.leases.release(lease, a.id);
      assert.equal(await store.leases.take(lease, b.id, T0 + 10_006, T0 + 20_006, since), true, 'free again');
    });
  });
}
