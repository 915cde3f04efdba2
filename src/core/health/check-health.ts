import type { EventBus, Store } from '../ports.js';
import { settlesWithin } from '../with-deadline.js';

/** How long the store may take to answer before a health check counts it unreachable. */
export const STORE_PING_TIMEOUT_MS = 2_000;

/** `ok` when the store answers in time and takes writes; otherwise what is wrong with it. */
export type StoreHealth = 'ok' | 'unreachable' | 'disk-full';

/** Whether the shared bus reaches its broker (Redis); absent for the in-memory bus of one node. */
export type BusHealth = 'ok' | 'unreachable';

/** What load balancers ask of this node (`GET /health`): whether its store and bus can serve. */
export function createHealthCheck({ store, bus, nodeId }: { store: Store; bus: EventBus; nodeId: string }) {
  return {
    /** This node's id in the registry of nodes (docs/adr/0010-several-nodes.md). */
    node: nodeId,

    /**
     * The store's health: unreachable when it does not answer within 2 s (or fails), disk-full
     * while it refuses writes for want of space though it still answers, ok otherwise.
     */
    async store(): Promise<StoreHealth> {
      try {
        // A hang counts as unreachable, never as a wait.
        if (!(await settlesWithin(store.ping(), STORE_PING_TIMEOUT_MS))) return 'unreachable';
      } catch {
        return 'unreachable';
      }
      return store.condition() === 'disk-full' ? 'disk-full' : 'ok';
    },

    /**
     * The bus's health as it knows it without asking (a Redis connection that is down); undefined
     * for a bus with nothing to reach.
     */
    bus(): BusHealth | undefined {
      return bus.condition?.();
    },
  };
}

export type HealthCheck = ReturnType<typeof createHealthCheck>;
