import { AppError, ErrorCode } from './errors.js';
import type { Store } from './ports.js';
import { digest } from './tokens.js';

/**
 * Idempotency keys (docs/adr/0009-idempotency-keys.md): a client names a POST with a key and sends
 * it again with every retry; the first answer is recorded in the transaction of the change, so a
 * retry — also one after a crash that lost the answer — gets that answer instead of a second change.
 */

/** How long a key is remembered: longer than any client's retries, far shorter than chats live. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

/** Visible ASCII, as the IETF draft's examples (UUIDs); at most 255 characters. */
const KEY_SHAPE = /^[\x21-\x7e]{1,255}$/;

/** One keyed request, as a use case records and looks it up. */
export interface KeyedRequest {
  accountId: string;
  /** Whose keys these are, so one client never receives another's answers. */
  scope: string;
  key: string;
  /** The operation and its input, digested: the same key with another request is refused. */
  fingerprint: string;
}

/** The JSON of a value with object keys sorted, so equal inputs digest equally. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, member]) => member !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([name, member]) => `${JSON.stringify(name)}:${canonicalJson(member)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The keyed request, or undefined without a key. `input` is what the use case parsed (not the
 * raw body), so the JSON and XML forms of one request are the same request.
 */
export function keyedRequest(
  key: string | undefined,
  where: { accountId: string; scope: string },
  operation: string,
  input: unknown,
): KeyedRequest | undefined {
  if (key === undefined) return undefined;
  if (!KEY_SHAPE.test(key)) {
    throw new AppError(ErrorCode.VALIDATION, 'Idempotency-Key must be 1 to 255 visible ASCII characters', {
      field: 'Idempotency-Key',
    });
  }
  return { ...where, key, fingerprint: digest(`${operation}\n${canonicalJson(input)}`) };
}

/**
 * The answer recorded for the request's key, or undefined when the key is new (or expired). Call
 * it inside the transaction that would make the change, after any lock that serialises it.
 */
export async function recordedAnswer(tx: Store, request: KeyedRequest, now: number): Promise<string | undefined> {
  const record = await tx.idempotencyKeys.get(request.accountId, request.scope, request.key, now);
  if (record === undefined) return undefined;
  if (record.fingerprint !== request.fingerprint) {
    throw new AppError(ErrorCode.IDEMPOTENCY_KEY_REUSED, 'This Idempotency-Key was sent with another request', {
      field: 'Idempotency-Key',
    });
  }
  return record.result;
}

/** A twin request recorded the same key first; the transaction rolls back and is run again. */
export class KeyRecordedMeanwhile extends Error {
  constructor() {
    super('The idempotency key was recorded by a concurrent request');
    this.name = 'KeyRecordedMeanwhile';
  }
}

/** Records the answer in the caller's transaction (the one that made the change). */
export async function recordAnswer(tx: Store, request: KeyedRequest, result: string, now: number): Promise<void> {
  const isNew = await tx.idempotencyKeys.create({
    ...request,
    result,
    createdAt: now,
    expiresAt: now + IDEMPOTENCY_WINDOW_MS,
  });
  if (!isNew) throw new KeyRecordedMeanwhile();
}

/**
 * Runs a keyed transaction; when a twin request committed the key first, runs it once more, and
 * that run finds the twin's answer. Only requests not serialised by a chat's lock can meet a twin:
 * Start Chat, whose recorded answer is looked up before its transaction begins.
 */
export async function onceMore<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof KeyRecordedMeanwhile)) throw error;
    return run();
  }
}
