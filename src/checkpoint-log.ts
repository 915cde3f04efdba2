import type { CheckpointReport } from './store/sqlite-wal-bound.js';

/** A full checkpoint that takes this long is logged as a warning (requests waited for all of it). */
export const SLOW_CHECKPOINT_MS = 1_000;

/**
 * Logs a full checkpoint of the SQLite WAL. Every statement of this process waits for one: a long
 * one, or one that could not finish, is a stall of the whole server (docs/adr/0005), a warning;
 * the others are routine, debug.
 */
export function logCheckpoint(
  log: { warn(fields: object, message: string): void; debug(fields: object, message: string): void },
  { ms, isComplete, walBytes }: CheckpointReport,
): void {
  const fields = { checkpointMs: Math.round(ms), walBytes };
  if (!isComplete)
    log.warn(fields, 'a full WAL checkpoint could not finish: another connection reads the WAL, or its worker is gone');
  else if (ms >= SLOW_CHECKPOINT_MS) log.warn(fields, 'a full WAL checkpoint held every statement up');
  else log.debug(fields, 'full WAL checkpoint');
}
