import type { Store } from '../ports.js';

/** How long the store may take to answer before a health check counts it unreachable. */
export const STORE_PING_TIMEOUT_MS = 2_000;

/** `ok` when the store answers in time and takes writes; otherwise what is wrong with it. */
export type StoreHealth = 'ok' | 'unreachable' | 'disk-full';

/** What load balancers ask of this node (`GET /health`): whether its store can serve. */
export function createHealthCheck({ store }: { store: Store }) {
  /** True when the ping answered within the deadline; a hang counts as unreachable, never as a wait. */
  async function answersInTime(): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), STORE_PING_TIMEOUT_MS);
    });
    try {
      return await Promise.race([store.ping().then(() => true), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    /**
     * The store's health: unreachable when it does not answer within 2 s (or fails), disk-full
     * while it refuses writes for want of space though it still answers, ok otherwise.
     */
    async store(): Promise<StoreHealth> {
      try {
        if (!(await answersInTime())) return 'unreachable';
      } catch {
        return 'unreachable';
      }
      return store.condition() === 'disk-full' ? 'disk-full' : 'ok';
    },
  };
}

export type HealthCheck = ReturnType<typeof createHealthCheck>;
