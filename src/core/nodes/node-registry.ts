import type { Clock, HeldConnection, NodeRecord, Store } from '../ports.js';

/** How often a node renews its heartbeat (the server's timer). */
export const HEARTBEAT_INTERVAL_MS = 2_000;
/** A node whose heartbeat is older than this is taken for dead: five heartbeats missed. */
export const NODE_LIVE_MS = 10_000;
/** How long the timers' lease lasts unless renewed (its holder renews it every turn). */
export const TIMERS_LEASE_MS = 10_000;
/** The lease of the timers' turn and the minute's sweeps: one node runs them at a time. */
export const TIMERS_LEASE = 'timers';

/** Who this node is, as its registration says. */
export interface NodeIdentity {
  /** The machine's host name. */
  host: string;
  /** Where it listens, `host:port` as configured. */
  address: string;
  /** Its process id. */
  pid: number;
  /** Whether it shares a Redis with the other nodes (PARLEY_REDIS_URL). */
  usesRedis: boolean;
}

/** A live node that this one cannot run beside: one of the two has no Redis to share. */
export interface NodeConflict {
  node: NodeRecord;
  /** How long ago its heartbeat was. */
  seenMsAgo: number;
}

/**
 * The registry of nodes sharing one database (docs/adr/0010-several-nodes.md): each server
 * registers at start, renews its heartbeat, says when it drains and deregisters once drained. A
 * node is live while its heartbeat is younger than NODE_LIVE_MS. Nodes need a Redis between them
 * (events and budgets reach every node only through it), so a node refuses to join a live node
 * when either has none, rather than split the service in two silently. A draining node is no
 * obstacle: it takes no new work and its streams have closed (a single node's replacement may
 * start while it drains).
 */
export function createNodeRegistry({ store, clock, nodeId }: { store: Store; clock: Clock; nodeId: string }) {
  let identity: NodeIdentity | undefined;
  let startedAt = 0;

  const liveSince = () => clock.now() - NODE_LIVE_MS;

  /**
   * A live row on the same host and address is this node's previous incarnation, which died
   * without deregistering: two processes cannot listen on one address. Port 0 (any free port) is
   * no address of its own.
   */
  const isPreviousIncarnation = (node: NodeRecord, self: NodeIdentity) =>
    node.host === self.host && node.address === self.address && !/:0$/.test(self.address);

  return {
    /** This node's id: random, new at every start. */
    id: nodeId,

    /**
     * Registers this node, unless a live node is registered that it cannot run beside (see above):
     * then nothing is written and the conflict is returned. Rows of this node's previous
     * incarnation are replaced, and so are those `hasExited` knows to be dead though their
     * heartbeat is recent (a process on this host that no longer runs: a crash just before).
     */
    async register(
      self: NodeIdentity,
      hasExited: (node: NodeRecord) => boolean = () => false,
    ): Promise<NodeConflict | undefined> {
      return store.transaction(async (tx) => {
        // Two nodes starting together: the second sees the first's row.
        await tx.nodes.lock();
        const now = clock.now();
        const others = (await tx.nodes.list()).filter((node) => node.id !== nodeId);
        for (const node of others) {
          if (node.heartbeatAt < now - NODE_LIVE_MS) continue;
          if (isPreviousIncarnation(node, self) || hasExited(node)) {
            // Its connections are found unheld at the next timers' turn (removeDead).
            await tx.nodes.delete(node.id);
            continue;
          }
          if (node.isDraining) continue;
          if (!self.usesRedis || !node.usesRedis) return { node, seenMsAgo: now - node.heartbeatAt };
        }
        identity = self;
        startedAt = now;
        await tx.nodes.save({ id: nodeId, ...self, startedAt, heartbeatAt: now, isDraining: false });
        return undefined;
      });
    },

    /**
     * Renews the heartbeat (nothing before registration). True when the row had been removed —
     * another node took this one for dead — and was written again: what it held must be recorded
     * again.
     */
    async heartbeat(): Promise<boolean> {
      if (identity === undefined) return false;
      const now = clock.now();
      if (await store.nodes.heartbeat(nodeId, now)) return false;
      await store.nodes.save({ id: nodeId, ...identity, startedAt, heartbeatAt: now, isDraining: false });
      return true;
    },

    /**
     * Shutdown has begun: the registry says so, and the timers' lease is let go at once (this node
     * runs no more turns), so that another node takes it at its next turn rather than when it
     * expires.
     */
    async drain(): Promise<void> {
      if (identity === undefined) return;
      await store.nodes.setDraining(nodeId);
      await store.leases.release(TIMERS_LEASE, nodeId);
    },

    /**
     * The node has drained: its row, its connections and the timers' lease go. Returns the
     * connections it held, whose sessions start their grace now (agent-presence.ts).
     */
    async deregister(): Promise<HeldConnection[]> {
      identity = undefined;
      const removed = await store.transaction(async (tx) => {
        const held = await tx.nodes.removeConnectionsOf(nodeId);
        await tx.nodes.delete(nodeId);
        return held;
      });
      await store.leases.release(TIMERS_LEASE, nodeId);
      return removed;
    },

    /** Takes or renews the lease `name` for this node; true while it holds it. */
    takeLease(name: string, durationMs = TIMERS_LEASE_MS): Promise<boolean> {
      const now = clock.now();
      return store.leases.take(name, nodeId, now, now + durationMs, liveSince());
    },

    /** Live nodes, this one included once it has registered. */
    async live(): Promise<NodeRecord[]> {
      const since = liveSince();
      return (await store.nodes.list()).filter((node) => node.heartbeatAt >= since);
    },

    /**
     * Removes the rows of nodes whose heartbeat is stale, and the connections of every node that
     * is not live (dead, or never registered: a process that did not start as a server), never
     * this one's. Returns the connections removed.
     */
    async removeDead(): Promise<HeldConnection[]> {
      const since = liveSince();
      for (const node of await store.nodes.list()) {
        if (node.id !== nodeId && node.heartbeatAt < since) await store.nodes.delete(node.id);
      }
      return store.nodes.removeConnectionsOfDead(since, nodeId);
    },
  };
}

export type NodeRegistry = ReturnType<typeof createNodeRegistry>;
