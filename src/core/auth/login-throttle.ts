import { AppError, ErrorCode } from '../errors.js';
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
  /**
   * Failures for one user name of one account from every address together: the ceiling a
   * distributed attack meets. A source the user has logged in from lately gets past it when it is
   * spent, so the attack cannot lock the user out.
   */
  user: RateBudget;
}

/**
 * 10 failures for a user from one address, then one every 30 s; 20 from an address, then one every
 * 15 s; 50 for a user name from anywhere, then one a minute.
 */
export const defaultLoginBudgets: LoginBudgets = {
  userAtAddress: { burst: 10, perSecond: 1 / 30 },
  address: { burst: 20, perSecond: 1 / 15 },
  user: { burst: 50, perSecond: 1 / 60 },
};

/** How long a successful login keeps its source known: 30 days, sliding with each success. */
export const KNOWN_SOURCE_WINDOW_MS = 30 * 24 * 60 * 60 * 1000;

/** What the store keeps of a login's source: a digest of its address group, never the address. */
export const knownSourceDigest = (address: string): string => digest(addressGroup(address));

/** One admitted login attempt: it counts as a failure unless released. */
export interface LoginAttempt {
  /**
   * The attempt was no failed guess (the credentials were right, or they were never judged).
   * Never rejects: a refund that cannot reach the limiter is dropped.
   */
  release(): Promise<void>;
}

/**
 * Counts failed logins, not logins: every attempt takes a token from each of its buckets before
 * anything is hashed (a refused attempt costs a map lookup, or two store reads while the user
 * name's ceiling is spent), and one that turns out not to be a failure gives them back. Taking
 * first and refunding later, rather than checking and counting afterwards, keeps a burst of
 * concurrent guesses from all passing the check at once.
 */
export function createLoginThrottle(rateLimiter: RateLimiter, budgets: LoginBudgets) {
  return {
    /**
     * Admits an attempt or throws RATE_LIMITED (429 + Retry-After). `isKnownSource` is asked only
     * when the user name's ceiling is spent: whether the user logged in from this source lately.
     */
    async begin(
      accountId: string,
      username: string,
      address: string,
      isKnownSource: () => Promise<boolean>,
    ): Promise<LoginAttempt> {
      // A digest, so that a user name of any length costs the same few bytes of key.
      const user = `${accountId}:${digest(username.toLowerCase())}`;
      // By address group, so that rotating addresses within one IPv6 /64 buys no fresh budget.
      const source = addressGroup(address);
      const buckets: [string, RateBudget][] = [
        // The address bucket first: a refused spraying source creates no per-user bucket.
        [`login-failures:address:${source}`, budgets.address],
        [`login-failures:user:${user}:${source}`, budgets.userAtAddress],
      ];
      const taken: [string, RateBudget][] = [];
      // Refunds are best effort: a limiter that cannot be reached keeps the tokens, which counts
      // an attempt as a failure at worst, never a failure as none.
      const giveBack = async () => {
        await Promise.all(
          taken.splice(0).map(([key, budget]) => rateLimiter.refund(key, budget).catch(() => undefined)),
        );
      };
      const refused = async (retryAfterMs: number) => {
        await giveBack();
        return new AppError(ErrorCode.RATE_LIMITED, 'Too many failed login attempts', { retryAfterMs });
      };
      const take = async (bucket: [string, RateBudget]) => {
        try {
          return await rateLimiter.take(...bucket);
        } catch (error) {
          // UNAVAILABLE: the attempt is refused with 503, and what it took is given back.
          await giveBack();
          throw error;
        }
      };
      for (const bucket of buckets) {
        const decision = await take(bucket);
        if (!decision.allowed) throw await refused(decision.retryAfterMs);
        taken.push(bucket);
      }
      // Last, so that a source refused by its own buckets never spends the user name's ceiling.
      const ceiling: [string, RateBudget] = [`login-failures:user-anywhere:${user}`, budgets.user];
      const decision = await take(ceiling);
      if (decision.allowed) {
        taken.push(ceiling);
        return { release: giveBack };
      }
      // Spent by failures from everywhere: only a source the user has logged in from lately goes
      // on, and its failures are still counted by its own buckets above.
      let isKnown: boolean;
      try {
        isKnown = await isKnownSource();
      } catch (error) {
        await giveBack();
        throw error;
      }
      if (!isKnown) throw await refused(decision.retryAfterMs);
      return { release: giveBack };
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
