import { statfs } from 'node:fs/promises';
import { AppError, ErrorCode, UNAVAILABLE_RETRY_AFTER_MS } from '../core/errors.js';
import type { StoreCondition } from '../core/ports.js';

/**
 * How long a client should wait before retrying a disk fault: longer than the default a busy lock
 * gets (UNAVAILABLE_RETRY_AFTER_MS), since a lock frees quickly and a disk does not.
 */
export const RETRY_AFTER_DISK_MS = 5_000;

/**
 * Free space at which a disk that refused a write counts as usable again. Well above one
 * transaction's pages, so that health does not turn back to `ok` on a few freed kilobytes only to
 * fail the next burst of writes.
 */
const FREE_BYTES_TO_RESUME = 4 * 1024 * 1024;
const PROBE_INTERVAL_MS = 1_000;

/** Free bytes an unprivileged writer may use on the filesystem holding `directory`. */
export const freeBytesOf = async (directory: string): Promise<number> => {
  const stats = await statfs(directory);
  return stats.bavail * stats.bsize;
};

const codeOf = (error: unknown): string | undefined =>
  error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;

const isNoSpace = (code: string): boolean => code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT';
const isIoFault = (code: string): boolean => code.startsWith('SQLITE_IOERR') || code === 'EIO';
const isBusy = (code: string): boolean => code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');

/**
 * Turns the faults of SQLite and of the disk under it into what clients can act on: a retryable
 * `UNAVAILABLE` (503 + Retry-After) instead of a 500, and remembers a disk that ran out of space so
 * that health checks report `disk-full`.
 *
 * The condition goes back to `ok` by itself: while it is `disk-full`, the free space of the
 * database's filesystem is read (statfs, on libuv's pool) once a second. A successful write is not
 * used as the signal because a node that reports `disk-full` gets no traffic from its load
 * balancer, so it would never see one.
 */
export class SqliteFaults {
  private isDiskFull = false;
  private probe: NodeJS.Timeout | undefined;

  /**
   * @param directory the database's directory; undefined for an in-memory database (never full).
   * @param freeBytes reads the free space (tests substitute their own).
   */
  constructor(
    private readonly directory: string | undefined,
    private readonly freeBytes: (directory: string) => Promise<number> = freeBytesOf,
  ) {}

  condition(): StoreCondition {
    return this.isDiskFull ? 'disk-full' : 'ok';
  }

  /**
   * The error to report for `error`: a AppError UNAVAILABLE for a full disk, an I/O fault or a
   * lock still held after the busy timeout; anything else (a constraint, a bug) unchanged.
   */
  translate(error: unknown): unknown {
    const code = codeOf(error);
    if (code === undefined) return error;
    if (isNoSpace(code)) {
      this.markDiskFull();
      return new AppError(ErrorCode.UNAVAILABLE, 'The store is out of disk space', {
        retryAfterMs: RETRY_AFTER_DISK_MS,
        cause: error,
      });
    }
    if (isIoFault(code)) {
      return new AppError(ErrorCode.UNAVAILABLE, 'The store could not reach its disk', {
        retryAfterMs: RETRY_AFTER_DISK_MS,
        cause: error,
      });
    }
    if (isBusy(code)) {
      return new AppError(ErrorCode.UNAVAILABLE, 'The store is busy', {
        retryAfterMs: UNAVAILABLE_RETRY_AFTER_MS,
        cause: error,
      });
    }
    return error;
  }

  /** Reads the free space once; clears `disk-full` when there is room again. */
  async checkFreeSpace(): Promise<void> {
    if (!this.isDiskFull) return;
    let free: number;
    try {
      free = this.directory === undefined ? Number.POSITIVE_INFINITY : await this.freeBytes(this.directory);
    } catch {
      // Cannot tell (statfs unsupported): let the next write find out instead of staying unhealthy.
      free = Number.POSITIVE_INFINITY;
    }
    if (free >= FREE_BYTES_TO_RESUME) {
      this.isDiskFull = false;
      this.stopProbe();
    }
  }

  close(): void {
    this.stopProbe();
  }

  private markDiskFull(): void {
    this.isDiskFull = true;
    if (this.probe !== undefined) return;
    this.probe = setInterval(() => void this.checkFreeSpace(), PROBE_INTERVAL_MS);
    // The probe must not keep a process alive that is otherwise done.
    this.probe.unref();
  }

  private stopProbe(): void {
    clearInterval(this.probe);
    this.probe = undefined;
  }
}
