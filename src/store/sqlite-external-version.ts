import { closeSync, openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';

/**
 * What other processes wrote, as `PRAGMA data_version` tells it, read only when it may have moved.
 *
 * `data_version` moves when another connection commits (or starts the WAL again with a TRUNCATE
 * checkpoint: this process's worker runs RESTART ones, which leave that to the next commit, its
 * own; docs/adr/0005-bounded-wal.md). Reading it begins a read transaction: a few locks on the WAL
 * index, about 8% of a quiet poll's time. The WAL index's change counter (`iChange`,
 * sqlite.org/walformat.html) moves with every commit, by any connection: while it has not moved,
 * nothing was committed by anyone, and the version read when it stood there still holds. The
 * counter is read before the version, so a commit racing the two reads moves the counter again
 * and the next call reads the version anew.
 */
export function externalVersionOf(dataVersion: () => number, walIndex: WalIndex): () => number {
  /** The version last read, and the counter as it was just before. */
  let known: { commits: number; version: number } | undefined;

  return () => {
    const commits = walIndex.commits();
    if (commits !== undefined && known?.commits === commits) return known.version;
    const version = dataVersion();
    known = commits === undefined ? undefined : { commits, version };
    return version;
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
