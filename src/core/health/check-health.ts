import type { Store } from '../ports.js';
import { settlesWithin } from '../with-deadline.js';

/** How long the store may take to answer before a health check counts it unreachable. */
export const STORE_PING_TIMEOUT_MS = 2_000;

/** `ok` when the store answers in time and takes writes; otherwise what is wrong with it. */
export type StoreHealth = 'ok' | 'unreachable' | 'disk-full';

/** What load balancers ask of this node (`GET /health`): whether its store can serve. */
export function createHealthCheck({ store }: { store: Store }) {
  return {
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
  };
}

export type HealthCheck = ReturnType<typeof createHealthCheck>;
