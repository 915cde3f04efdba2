import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { PasswordHasher } from '../core/ports.js';

const scryptAsync = (password: string, salt: Buffer, keyLength: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scrypt(password, salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key))),
  );

export interface ScryptCost {
  /** CPU/memory cost, a power of two. 2^15 is OWASP's recommendation with r=8, p=1. */
  N: number;
  r: number;
  p: number;
}

export const productionScryptCost: ScryptCost = { N: 2 ** 15, r: 8, p: 1 };

const KEY_LENGTH = 32;

/**
 * scrypt password hashing with a per-hash salt. The cost is stored in the hash
 * (`scrypt$N$r$p$salt$key`), so it can be raised later without invalidating old hashes.
 */
export function createScryptHasher(
  cost: ScryptCost = productionScryptCost,
  /** Where scrypt runs: libuv's pool by default, a worker thread in the server (runtime.ts). */
  derive: (password: string, salt: Buffer, keyLength: number, options: ScryptOptions) => Promise<Buffer> = scryptAsync,
): PasswordHasher {
  const options = (c: ScryptCost): ScryptOptions => ({ N: c.N, r: c.r, p: c.p, maxmem: 256 * c.N * c.r });
  return {
    async hash(plain) {
      const salt = randomBytes(16);
      const key = await derive(plain, salt, KEY_LENGTH, options(cost));
      return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64url'), key.toString('base64url')].join('$');
    },
    async verify(plain, hash) {
      const [scheme, n, r, p, salt, key] = hash.split('$');
      if (scheme !== 'scrypt' || salt === undefined || key === undefined) return false;
      const stored = { N: Number(n), r: Number(r), p: Number(p) };
      if (![stored.N, stored.r, stored.p].every((v) => Number.isInteger(v) && v > 0)) return false;
      const expected = Buffer.from(key, 'base64url');
      const actual = await derive(plain, Buffer.from(salt, 'base64url'), expected.length, options(stored));
      return timingSafeEqual(actual, expected);
    },
  };
}
