/**
 * One full checkpoint, as it went: every statement of this process waited for it, so a long one
 * is a stall of the whole server (docs/adr/0005-bounded-wal.md).
 */
export interface CheckpointReport {
  /** How long it took, ms (real time: what the waiting requests waited). */
  ms: number;
  /** False when another connection's reader or writer kept it from finishing (or the worker is gone). */
  isComplete: boolean;
  /** The WAL's size as it began. */
  walBytes: number;
}

/** The WAL's size at which new work waits for a full checkpoint, unless the store is told otherwise. */
export const DEFAULT_WAL_HIGH_WATER_BYTES = 32 * 1024 * 1024;

/**
 * Keeps a WAL-mode database's WAL file near a high-water mark under any write load.
 *
 * The worker's PASSIVE checkpoints copy frames into the database file, but SQLite starts the WAL
 * again from its beginning only when a checkpoint has copied all of it and no one reads it; under
 * sustained writes new frames always arrive first, so the WAL grows without end (3.79 GB after 60 s
 * at saturation). So after each commit the driver asks `isOverHighWater()`; when it is, the driver
 * hands its one connection — once the commit's lease gives it up, before anyone waiting — to
 * `checkpoint()`, which has the worker run a RESTART checkpoint while no transaction of this
 * process is open, and only then lets the waiting work go on (docs/adr/0005-bounded-wal.md).
 *
 * The WAL's size is its file's: the next commit after a restart writes from the file's beginning
 * and cuts it back to `journal_size_limit`, which the store sets to the mark, so the file passes
 * the mark again only when the frames written since do.
 */
export class WalBound {
  private threshold: number;

  /**
   * @param highWaterBytes the WAL size past which a full checkpoint runs.
   * @param walSize the WAL file's current size in bytes.
   * @param restart a RESTART checkpoint off the event loop; true when it completed.
   * @param report told of each checkpoint once it is over.
   */
  constructor(
    private readonly highWaterBytes: number,
    private readonly walSize: () => number,
    private readonly restart: () => Promise<boolean>,
    private readonly report: (checkpoint: CheckpointReport) => void = () => undefined,
  ) {
    this.threshold = highWaterBytes;
  }

  isOverHighWater(): boolean {
    return this.currentSize() > this.threshold;
  }

  /** Runs the checkpoint; never rejects, since the work waiting behind it must go on regardless. */
  async checkpoint(): Promise<void> {
    const walBytes = this.currentSize();
    const started = performance.now();
    const isComplete = await this.restart().catch(() => false);
    // Another process reading the WAL keeps it from being started again: try again only once the WAL
    // has grown by another high-water mark, rather than holding every commit up meanwhile.
    this.threshold = isComplete ? this.highWaterBytes : this.currentSize() + this.highWaterBytes;
    try {
      this.report({ ms: performance.now() - started, isComplete, walBytes });
    } catch {
      // Telling of it must not keep the waiting work from going on.
    }
  }

  private currentSize(): number {
    try {
      return this.walSize();
    } catch {
      // No WAL file to measure (not created yet): nothing to bound.
      return 0;
    }
  }
}
