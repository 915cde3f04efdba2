import { createHash, timingSafeEqual } from 'node:crypto';
import type { Random } from './ports.js';

/** Lower-case hex of `bytes` random bytes (bearer and csrf: 32 bytes, platform §4.5). */
export const randomHex = (random: Random, bytes: number): string => Buffer.from(random.bytes(bytes)).toString('hex');

/** URL-safe base64 of `bytes` random bytes (the session_id cookie, platform §4.5). */
export const randomUrlSafe = (random: Random, bytes: number): string =>
  Buffer.from(random.bytes(bytes)).toString('base64url');

/** A random positive 63-bit integer in decimal (`wsuk`, and the number inside chat ids). */
export const randomUint63 = (random: Random): string =>
  (Buffer.from(random.bytes(8)).readBigUInt64BE() & 0x7fff_ffff_ffff_ffffn).toString();

/** SHA-256 hex digest: tokens are random and long, so a fast digest is a safe way to store them. */
export const digest = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** Compares two digests in constant time. */
export const digestsEqual = (a: string, b: string): boolean =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** Account ids are opaque strings of this shape (platform §1.2). */
export const ACCOUNT_ID_PATTERN = /^[a-zA-Z0-9_]{1,20}$/;
