import { closeSync, openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';

/**
 * What other processes wrote, as `PRAGMA data_version` tells it, without the moves of checkpoints.
 *
 * `data_version` moves when another connection commits, but also when another connection's
 * checkpoint starts the WAL again (TRUNCATE, RESTART): this process's own checkpoint worker,
 * every few seconds under load (sqlite-wal-bound.ts). Each move drops what the node keeps of
 * other processes' data (chat heads, cached rows), though nothing changed.
 *
 * The WAL index tells the two apart: its header's change counter (`iChange`, sqlite.org/walformat.html)
 * moves with every commit and not when the WAL starts again. While this process's own connection
 * is idle (the WAL bound holds it for the checkpoint), a move of `data_version` with the counter
 * where it was is a checkpoint's, and is taken out. Reads are ordered so that a commit racing them
 * is always counted as a write: the counter is read before the version at the start, and after it
 * at the end.
 *
 * The counter also spares most reads of `data_version`, which begins a read transaction (a few
 * locks on the WAL index, about 8% of a quiet poll's time): while it has not moved, nothing
 * was committed by anyone, and the version read when it stood there still holds.
 */
export function checkpointFreeVersion(dataVersion: () => number, walIndex: WalIndex) {
  /** The moves taken out so far. */
  let checkpointMoves = 0;
  /** Where the counter and the version stood when a checkpoint began, while it runs. */
  let during: { commits: number; version: number } | undefined;
  /** The version last read, and the counter as it was just before. */
  let known: { commits: number; version: number } | undefined;

  /** The version as `data_version` tells it now, less the checkpoints' moves. */
  const read = (): number => {
    const version = dataVersion();
    // A checkpoint under way: the version as it began, unless something was committed since.
    if (during !== undefined && walIndex.commits() === during.commits) return during.version - checkpointMoves;
    return version - checkpointMoves;
  };

  return {
    /** The external version: moves only when another process committed. */
    version(): number {
      const commits = walIndex.commits();
      if (commits !== undefined && known?.commits === commits) return known.version;
      const version = read();
      known = commits === undefined ? undefined : { commits, version };
      return version;
    },

    /** Runs `checkpoint` (while this process has no transaction open) and takes out its move. */
    async around<T>(checkpoint: () => Promise<T>): Promise<T> {
      const commits = walIndex.commits();
      const before = dataVersion();
      if (commits !== undefined) during = { commits, version: before };
      try {
        return await checkpoint();
      } finally {
        during = undefined;
        const after = dataVersion();
        if (commits !== undefined && walIndex.commits() === commits) checkpointMoves += after - before;
      }
    },
  };
}

/** The WAL index's commit counter, read from the `-shm` file; undefined when it cannot be read whole. */
export interface WalIndex {
  commits(): number | undefined;
  close(): void;
}

/** The two copies of the 48-byte header at the start of the WAL index, in the machine's byte order. */
const HEADER_BYTES = 48;
const CHANGE_COUNTER_OFFSET = 8;
const isLittleEndian = endianness() === 'LE';

export function walIndexOf(databasePath: string): WalIndex {
  const header = Buffer.alloc(2 * HEADER_BYTES);
  let fd: number | undefined;
  return {
    commits() {
      try {
        fd ??= openSync(`${databasePath}-shm`, 'r');
        if (readSync(fd, header, 0, header.length, 0) !== header.length) return undefined;
      } catch {
        return undefined;
      }
      // A writer updates the second copy, then the first: copies that differ are mid-write.
      if (!header.subarray(0, HEADER_BYTES).equals(header.subarray(HEADER_BYTES))) return undefined;
      return isLittleEndian ? header.readUInt32LE(CHANGE_COUNTER_OFFSET) : header.readUInt32BE(CHANGE_COUNTER_OFFSET);
    },
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}
