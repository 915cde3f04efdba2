/**
 * Entries kept in memory by key and written together (docs/adr/0012-buffered-touches.md): each
 * entry recorded for a key is merged with the one already there, and a flush writes them all in
 * one batch. What a failed write could not write is kept for the next flush.
 */
export function createWriteBehind<T>(options: {
  keyOf: (entry: T) => string;
  /** The entry that stands for both (the later of each time, say). */
  merge: (earlier: T, later: T) => T;
  write: (batch: readonly T[]) => Promise<void>;
}) {
  let pending = new Map<string, T>();
  /**
   * The batches being written: still this node's unwritten entries until the write ends. A write
   * that yields (PostgreSQL's round trips, SQLite's commits waiting for their flush to disk)
   * would otherwise let a read between its statements see neither the entry nor its row.
   */
  const writing = new Set<ReadonlyMap<string, T>>();

  function record(entry: T): void {
    const key = options.keyOf(entry);
    const earlier = pending.get(key);
    pending.set(key, earlier === undefined ? entry : options.merge(earlier, entry));
  }

  return {
    record,
    /** The entry recorded for `key` and not yet written (merged with one being written). */
    pending(key: string): T | undefined {
      let entry = pending.get(key);
      for (const batch of writing) {
        const written = batch.get(key);
        if (written !== undefined) entry = entry === undefined ? written : options.merge(written, entry);
      }
      return entry;
    },
    /**
     * Writes every entry recorded so far. Those that fail to be written are kept for the next
     * flush (merged with any recorded meanwhile), and the failure is thrown.
     */
    async flush(): Promise<void> {
      if (pending.size === 0) return;
      const batch = pending;
      pending = new Map();
      writing.add(batch);
      try {
        await options.write([...batch.values()]);
      } catch (error) {
        for (const entry of batch.values()) record(entry);
        throw error;
      } finally {
        writing.delete(batch);
      }
    },
    /** Entries not yet written. */
    get size(): number {
      return pending.size;
    },
  };
}

/** The later of two times, where null is none. */
export const later = (stored: number | null, given: number | null): number | null =>
  given === null ? stored : stored === null ? given : Math.max(stored, given);

/**
 * How far off a stored deadline must be for a request to record itself late: further than any
 * wait for the next flush (each timers' turn, once a second), and further than a LivePerson
 * client's poll interval, so that a node that dies with requests unwritten leaves its clients
 * time to make their next request through another node.
 */
export const DEFERRABLE_BEYOND_MS = 10_000;

/** Whether a request on something whose stored deadline is `deadline` may be written late. */
export const isDeferrable = (deadline: number | null, now: number): boolean =>
  deadline === null || deadline - now > DEFERRABLE_BEYOND_MS;
