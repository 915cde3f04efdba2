import pg from 'pg';
import { AppError, ErrorCode, UNAVAILABLE_RETRY_AFTER_MS } from '../core/errors.js';
import type { StoreCondition } from '../core/ports.js';

// SQLSTATE classes and codes that say "the database could not serve this now; the same request may
// succeed later" (PostgreSQL docs, Appendix A). Anything else the server reports — a constraint
// violation, a syntax error — is a bug or a rule, never worth a retry, and stays as it is.
const RETRYABLE_CLASSES = [
  '08', // connection exception
  '53', // insufficient resources: disk full, out of memory, too many connections
  '57P', // operator intervention: admin/crash shutdown, cannot connect now, database dropped
  '58', // system error: I/O error
];
const RETRYABLE_CODES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available (lock_timeout)
  '57014', // query_canceled: statement_timeout fired
]);

// Socket errors that mean the server cannot be reached or the connection went away.
const NETWORK_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** True for an error PostgreSQL itself sent whose SQLSTATE means "try again later". */
export function isRetryableServerError(error: unknown): boolean {
  if (!(error instanceof pg.DatabaseError) || error.code === undefined) return false;
  const { code } = error;
  return RETRYABLE_CODES.has(code) || RETRYABLE_CLASSES.some((prefix) => code.startsWith(prefix));
}

/**
 * True when a query failed on the client's side of the wire rather than by the server's verdict:
 * the socket failed, the backend went away ("Connection terminated unexpectedly"), pg's own
 * `query_timeout` fired, or the client was already broken. pg gives these no code, so they are
 * told apart by what they are not: not a DatabaseError (the server's answer) and not a TypeError or
 * RangeError (a value pg could not serialise, which is our bug).
 */
export function isConnectionFailure(error: unknown): boolean {
  if (!(error instanceof Error) || error instanceof pg.DatabaseError) return false;
  if (error instanceof TypeError || error instanceof RangeError) return false;
  return true;
}

// How long PostgreSQL's disk_full is remembered after it was last seen. /health reports it (503)
// meanwhile; reads still succeed then, so only a write can tell that space is back, and the load
// balancer's traffic after this interval is that write.
export const DISK_FULL_MEMORY_MS = 15_000;

/** Remembers PostgreSQL's `disk_full` (53100), so /health can say why writes fail (Store.condition). */
export class PostgresDiskWatch {
  #fullUntil = 0;

  /** `now` is the wall clock; tests pass their own. */
  constructor(private readonly now: () => number = Date.now) {}

  note(error: unknown): void {
    if (error instanceof pg.DatabaseError && error.code === '53100') this.#fullUntil = this.now() + DISK_FULL_MEMORY_MS;
  }

  condition(): StoreCondition {
    return this.now() < this.#fullUntil ? 'disk-full' : 'ok';
  }
}

/** True for a Node socket error (refused, reset, unreachable) by its errno code. */
export function isNetworkError(error: unknown): boolean {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' && NETWORK_ERRNOS.has(error.code);
}

/** The retryable 503 (internalCode 99) a database fault is reported as; the cause is kept for logs. */
export function databaseUnavailable(cause: unknown): AppError {
  return new AppError(ErrorCode.UNAVAILABLE, 'The database is unavailable; try again shortly', {
    retryAfterMs: UNAVAILABLE_RETRY_AFTER_MS,
    cause,
  });
}
