import { ChatError, ErrorCode } from '../errors.js';
import type { RateBudget, RateLimiter } from '../ports.js';
import { digest } from '../tokens.js';
import { addressGroup } from './address-group.js';

/** How many failed logins are tolerated, and how fast they are forgiven (docs/adr/0008-login-throttling.md). */
export interface LoginBudgets {
  /**
   * Failures for one user name of one account from one client address: the brute-force brake.
   * Keyed by the address too, so nobody elsewhere can lock the user out with wrong passwords.
   */
  userAtAddress: RateBudget;
  /** Failures from one client address (an IPv6 /64) over every user name and account: spraying. */
  address: RateBudget;
}

/** 10 failures for a user from one address, then one every 30 s; 20 from an address, then one every 15 s. */
export const defaultLoginBudgets: LoginBudgets = {
  userAtAddress: { burst: 10, perSecond: 1 / 30 },
  address: { burst: 20, perSecond: 1 / 15 },
};

/** One admitted login attempt: it counts as a failure unless released. */
export interface LoginAttempt {
  /** The attempt was no failed guess (the credentials were right, or they were never judged). */
  release(): void;
}

/**
 * Counts failed logins, not logins: every attempt takes a token from each of its buckets before
 * anything is hashed (a refused attempt costs a map lookup), and one that turns out not to be a
 * failure gives them back. Taking first and refunding later, rather than checking and counting
 * afterwards, keeps a burst of concurrent guesses from all passing the check at once.
 */
export function createLoginThrottle(rateLimiter: RateLimiter, budgets: LoginBudgets) {
  return {
    /** Admits an attempt or throws RATE_LIMITED (429 + Retry-After). */
    begin(accountId: string, username: string, address: string): LoginAttempt {
      const buckets: [string, RateBudget][] = [
        // The address bucket first: a refused spraying source creates no per-user bucket.
        [`login-failures:address:${addressGroup(address)}`, budgets.address],
        // A digest, so that a user name of any length costs the same few bytes of key.
        [`login-failures:user:${accountId}:${digest(username.toLowerCase())}:${address}`, budgets.userAtAddress],
      ];
      const taken: [string, RateBudget][] = [];
      const giveBack = () => {
        for (const [key, budget] of taken.splice(0)) rateLimiter.refund(key, budget);
      };
      for (const bucket of buckets) {
        const decision = rateLimiter.take(...bucket);
        if (!decision.allowed) {
          giveBack();
          throw new ChatError(ErrorCode.RATE_LIMITED, 'Too many failed login attempts', {
            retryAfterMs: decision.retryAfterMs,
          });
        }
        taken.push(bucket);
      }
      return { release: giveBack };
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
