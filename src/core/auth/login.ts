import { ChatError, ErrorCode } from '../errors.js';
import { AuthMethod, Permission, type Account, type User } from '../model.js';
import type { Clock, PasswordHasher, RateLimiter, Store } from '../ports.js';
import { requireAccount } from '../accounts/require-account.js';
import type { LoginSessions, StartedLogin } from './login-sessions.js';
import { isRecord } from '../guards.js';
import {
  createLoginThrottle,
  KNOWN_SOURCE_WINDOW_MS,
  knownSourceDigest,
  type LoginAttempt,
  type LoginBudgets,
} from './login-throttle.js';

export interface LoginDeps {
  store: Store;
  clock: Clock;
  hasher: PasswordHasher;
  sessions: LoginSessions;
  /**
   * The failure buckets' own limiter, apart from the request budgets: their keys are chosen by
   * callers before authentication, and filling that one must not evict a lockout.
   */
  loginLimiter: RateLimiter;
  /** Failed logins tolerated per user and address, per address, and per user name. */
  loginBudgets: LoginBudgets;
}

/** Who is logging in, as the transport saw it: the core never sees the request. */
export interface LoginClient {
  /** The client's address (behind a trusted proxy, the one the proxy reports). */
  address: string;
}

const nonEmptyString = (body: Record<string, unknown>, field: string): string => {
  const value = body[field];
  if (typeof value !== 'string' || value.length === 0) {
    throw new ChatError(ErrorCode.VALIDATION, `Missing or empty field: ${field}`, { field });
  }
  return value;
};

/**
 * User Login (L1) and Application Login (L2), platform §4.1–4.3. The body decides which, as
 * node-agent-sdk does: username + password → user login; assertion → SAML; otherwise API key.
 */
export function createLogin({ store, clock, hasher, sessions, loginLimiter, loginBudgets }: LoginDeps) {
  // A hash of a value nobody knows, verified when the user or key is unknown so that the time an
  // answer takes does not tell which part of the credentials was wrong. A refused hash (the hasher's
  // queue full during a flood, its worker gone) is forgotten: kept, it would answer 503 to every
  // unknown user name from then on while known ones get 401, telling which names exist.
  let decoy: Promise<string> | undefined;
  const decoyHash = () =>
    (decoy ??= hasher.hash(`decoy:${Date.now()}:${Math.random()}`).catch((error: unknown) => {
      decoy = undefined;
      throw error;
    }));

  const invalid = () => new ChatError(ErrorCode.CREDENTIALS_INVALID, 'Invalid site or agent credentials');
  const notAllowed = (why: string) => new ChatError(ErrorCode.USER_NOT_ALLOWED, why);

  const throttle = createLoginThrottle(loginLimiter, loginBudgets);

  /**
   * Runs one attempt under the throttle. `work` calls `failed` just before it throws for a wrong
   * guess; whatever else ends the attempt (right credentials, a disabled user, a hasher too busy to
   * judge) gives its tokens back.
   */
  async function throttled<T>(
    account: Account,
    username: string,
    client: LoginClient,
    work: (failed: () => void) => Promise<T>,
  ): Promise<T> {
    const attempt: LoginAttempt = await throttle.begin(account.id, username, client.address, () =>
      isKnownSource(account, username, client),
    );
    let isFailure = false;
    try {
      return await work(() => {
        isFailure = true;
      });
    } finally {
      if (!isFailure) attempt.release();
    }
  }

  /** Whether the user of this name logged in from the client's address group within the window. */
  async function isKnownSource(account: Account, username: string, client: LoginClient): Promise<boolean> {
    const user = await store.users.findByLoginName(account.id, username);
    if (user === undefined) return false;
    const last = await store.knownLoginSources.lastSuccess(account.id, user.id, knownSourceDigest(client.address));
    return last !== undefined && last >= clock.now() - KNOWN_SOURCE_WINDOW_MS;
  }

  /**
   * Starts the session and, in its transaction, records the client's source as known for the user:
   * only a login that succeeded all the way records one, and a failure leaves neither behind.
   */
  const startSession = (account: Account, user: User, method: AuthMethod, client: LoginClient) =>
    sessions.start(account, user, method, (tx) =>
      tx.knownLoginSources.recordSuccess(account.id, user.id, knownSourceDigest(client.address), clock.now()),
    );

  const checkUsable = (user: User): void => {
    if (!user.enabled) throw notAllowed('User is disabled');
    if (user.changePwdNextLogin) throw new ChatError(ErrorCode.PASSWORD_EXPIRED, 'Password expired');
  };

  async function passwordLogin(
    account: Account,
    username: string,
    password: string,
    client: LoginClient,
  ): Promise<StartedLogin> {
    const user = await throttled(account, username, client, async (failed) => {
      const found = await store.users.findByLoginName(account.id, username);
      if (found?.isApiUser === true && found.passwordHash === null) {
        // Verify anyway: the answer must take as long as for anyone else.
        await hasher.verify(password, await decoyHash());
        failed();
        throw notAllowed('This user logs in with an API key');
      }
      const matches = await hasher.verify(password, found?.passwordHash ?? (await decoyHash()));
      if (found === undefined || !matches) {
        failed();
        throw invalid();
      }
      return found;
    });
    checkUsable(user);
    return startSession(account, user, AuthMethod.PASSWORD, client);
  }

  async function applicationLogin(
    account: Account,
    body: Record<string, unknown>,
    client: LoginClient,
  ): Promise<StartedLogin> {
    const username = nonEmptyString(body, 'username');
    const appKey = nonEmptyString(body, 'appKey');
    const secret = nonEmptyString(body, 'secret');
    const accessToken = nonEmptyString(body, 'accessToken');
    const accessTokenSecret = nonEmptyString(body, 'accessTokenSecret');
    const key = await throttled(account, username, client, async (failed) => {
      const found = await store.apiKeys.get(account.id, appKey);
      // Both hashes are always checked, so a wrong first value costs the same as a wrong second.
      const [secretOk, tokenSecretOk] = await Promise.all([
        hasher.verify(secret, found?.secretHash ?? (await decoyHash())),
        hasher.verify(accessTokenSecret, found?.accessTokenSecretHash ?? (await decoyHash())),
      ]);
      if (found === undefined || !found.enabled || found.accessToken !== accessToken || !secretOk || !tokenSecretOk) {
        failed();
        throw invalid();
      }
      return found;
    });
    if (!key.permissions.includes(Permission.USER_LOGIN)) throw notAllowed('API key lacks the User Login permission');
    const user = await store.users.findByLoginName(account.id, username);
    if (user === undefined || !user.isApiUser || !user.allowedAppKeys.includes(appKey)) {
      throw notAllowed('User may not log in with this API key');
    }
    checkUsable(user);
    return startSession(account, user, AuthMethod.API_KEY, client);
  }

  return {
    /**
     * Logs in from `client`; failed attempts are throttled per user and address, per address, and
     * per user name (where a source the user logged in from lately is exempt).
     */
    async login(accountId: string, body: unknown, client: LoginClient): Promise<StartedLogin> {
      const account = await requireAccount(store, accountId);
      if (!isRecord(body))
        throw new ChatError(ErrorCode.VALIDATION, 'The body must be a JSON object', { field: 'body' });
      if (body.username !== undefined && body.password !== undefined) {
        return passwordLogin(account, nonEmptyString(body, 'username'), nonEmptyString(body, 'password'), client);
      }
      if (body.assertion !== undefined) {
        // SAML login (L3) is optional and not configured in this deployment (platform §4.3).
        throw notAllowed('SAML login is not configured for this account');
      }
      return applicationLogin(account, body, client);
    },
  };
}

export type Login = ReturnType<typeof createLogin>;
