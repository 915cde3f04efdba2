import { AppError, ErrorCode } from '../errors.js';
import { AuthMethod, type Account, type LoginSession, type User } from '../model.js';
import type { Clock, EventBus, Random, Store, Transaction } from '../ports.js';
import { digest, digestsEqual, randomHex, randomUint63, randomUrlSafe } from '../tokens.js';
import { requireAccount } from '../accounts/require-account.js';

/** The tokens handed to the client once; the store keeps only their digests. */
export interface LoginTokens {
  bearer: string;
  csrf: string;
  cookie: string;
  wsuk: string;
}

export interface StartedLogin {
  account: Account;
  user: User;
  session: LoginSession;
  tokens: LoginTokens;
}

export interface AuthenticatedSession {
  account: Account;
  user: User;
  session: LoginSession;
}

export interface LoginSessionDeps {
  store: Store;
  clock: Clock;
  random: Random;
  bus: EventBus;
}

/**
 * Login sessions (platform §4.7): sliding expiry on refresh, bearer use never extends it, a cap
 * per user that evicts the oldest, and an announcement whenever one ends so agent sessions
 * created with its bearer can end too.
 */
export function createLoginSessions({ store, clock, random, bus }: LoginSessionDeps) {
  const isExpired = (session: LoginSession, account: Account, now: number): boolean =>
    now >= session.expiresAt ||
    (account.settings.refreshGraceMs !== null && now - session.lastRefreshAt > account.settings.refreshGraceMs);

  const announceEnded = (session: LoginSession, reason: 'logout' | 'expired' | 'evicted' | 'user-disabled') =>
    bus.publish({
      type: 'login-session.ended',
      accountId: session.accountId,
      userId: session.userId,
      sessionId: session.id,
      reason,
    });

  /** Ends an expired session found on use; only the caller that deletes it announces it. */
  const expire = async (session: LoginSession): Promise<void> => {
    if (await store.loginSessions.delete(session.id)) announceEnded(session, 'expired');
  };

  /** Finds the live session behind a cookie value, or fails with 401 / 30 (platform §4.8). */
  const sessionFromCookie = async (accountId: string, cookie: string | undefined): Promise<AuthenticatedSession> => {
    const gone = new AppError(ErrorCode.SESSION_INVALID, 'Login session is missing or expired');
    if (cookie === undefined || cookie.length === 0) throw gone;
    const session = await store.loginSessions.findByCookieHash(digest(cookie));
    if (session === undefined || session.accountId !== accountId) throw gone;
    const account = await requireAccount(store, accountId);
    if (isExpired(session, account, clock.now())) {
      await expire(session);
      throw gone;
    }
    const user = await store.users.get(accountId, session.userId);
    if (user === undefined || !user.enabled || user.deleted) throw gone;
    return { account, user, session };
  };

  const checkCsrf = (session: LoginSession, csrf: string): void => {
    if (!digestsEqual(digest(csrf), session.csrfHash)) {
      throw new AppError(
        ErrorCode.CSRF_INVALID,
        'CSRF token invalid! The CSRF token on request does not match the CSRF token on the session',
      );
    }
  };

  return {
    /**
     * Creates a session for an authenticated user, evicting the oldest beyond the per-user cap;
     * `alsoInTransaction` commits with it (the login's known source).
     */
    async start(
      account: Account,
      user: User,
      authMethod: AuthMethod,
      alsoInTransaction?: (tx: Store) => Promise<void>,
    ): Promise<StartedLogin> {
      const now = clock.now();
      const tokens: LoginTokens = {
        bearer: randomHex(random, 32),
        csrf: randomHex(random, 32),
        cookie: randomUrlSafe(random, 32),
        wsuk: randomUint63(random),
      };
      const session: LoginSession = {
        id: randomHex(random, 16),
        accountId: account.id,
        userId: user.id,
        bearerHash: digest(tokens.bearer),
        cookieHash: digest(tokens.cookie),
        csrfHash: digest(tokens.csrf),
        authMethod,
        createdAt: now,
        lastRefreshAt: now,
        expiresAt: now + account.settings.loginSessionTtlMs,
      };
      await store.transaction(async (tx) => {
        await tx.loginSessions.create(session);
        const all = await tx.loginSessions.listForUser(account.id, user.id);
        const excess = all.slice(0, Math.max(0, all.length - account.settings.maxLoginSessionsPerUser));
        for (const old of excess) {
          await tx.loginSessions.delete(old.id);
          tx.afterCommit(() => announceEnded(old, 'evicted'));
        }
        await alsoInTransaction?.(tx);
      });
      return { account, user, session, tokens };
    },

    /**
     * The caller of refresh and logout (L4–L5): the live session behind the cookie, its csrf
     * checked; 401 / 30 when the session is gone, 401 / 10 on a csrf mismatch. The csrf is read
     * only once the session is known, so a request without one is told 401 / 30 whatever its body
     * (platform §4.8–4.9), and a malformed body matters only to a live session.
     */
    async authenticateCookie(
      accountId: string,
      cookie: string | undefined,
      readCsrf: () => string,
    ): Promise<AuthenticatedSession> {
      const authenticated = await sessionFromCookie(accountId, cookie);
      checkCsrf(authenticated.session, readCsrf());
      return authenticated;
    },

    /** L4: slides the expiry of an authenticated session. */
    async refresh({ account, session }: AuthenticatedSession): Promise<void> {
      const now = clock.now();
      await store.loginSessions.refresh(session.id, now, now + account.settings.loginSessionTtlMs);
    },

    /** L5: ends the session at once; its bearer and cookie are refused from then on. */
    async logout(session: LoginSession): Promise<LoginSession> {
      if (await store.loginSessions.delete(session.id)) announceEnded(session, 'logout');
      return session;
    },

    /**
     * Resolves `Authorization: Bearer` for a route of `accountId` (platform §5.1): 401 / 30 when
     * unknown, expired or logged out; 401 / 6 when the bearer belongs to another account.
     */
    async authenticateBearer(accountId: string, bearer: string): Promise<AuthenticatedSession> {
      // Made only when refused: an error records its stack, and this runs on every agent request.
      const gone = () => new AppError(ErrorCode.SESSION_INVALID, 'Bearer token is missing, expired or logged out');
      const session = await store.loginSessions.findByBearerHash(digest(bearer));
      if (session === undefined) throw gone();
      const account = await store.accounts.get(session.accountId);
      if (account === undefined) throw gone();
      if (isExpired(session, account, clock.now())) {
        await expire(session);
        throw gone();
      }
      if (session.accountId !== accountId) {
        throw new AppError(ErrorCode.ACCOUNT_INVALID, `Invalid Account id: ${accountId}`);
      }
      const user = await store.users.get(accountId, session.userId);
      if (user === undefined || !user.enabled || user.deleted) throw gone();
      return { account, user, session };
    },

    /**
     * Ends every session of a user (disabled, deleted or password changed: platform §4.7) in the
     * caller's transaction; each end is announced once it commits.
     */
    async endAllForUser(accountId: string, userId: number, tx: Transaction): Promise<LoginSession[]> {
      const sessions = await tx.loginSessions.listForUser(accountId, userId);
      for (const session of sessions) {
        await tx.loginSessions.delete(session.id);
        tx.afterCommit(() => announceEnded(session, 'user-disabled'));
      }
      return sessions;
    },

    /** Deletes expired sessions and announces each; the server runs it periodically. */
    async sweepExpired(): Promise<number> {
      const expired = await store.loginSessions.deleteExpired(clock.now());
      for (const session of expired) announceEnded(session, 'expired');
      return expired.length;
    },
  };
}

export type LoginSessions = ReturnType<typeof createLoginSessions>;
