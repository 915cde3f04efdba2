import { AppError, ErrorCode } from '../errors.js';
import { AuthMethod, Permission, type Account, type User } from '../model.js';
import type { Clock, PasswordHasher, RateLimiter, Store } from '../ports.js';
import { requireAccount } from '../accounts/require-account.js';
import type { LoginSessions, StartedLogin } from './login-sessions.js';
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

/** What a login is given (platform §4.1–4.3): which login the body asked for, and its credentials. */
export type LoginInput =
  | { kind: 'password'; username: string; password: string }
  /** A SAML assertion (L3). */
  | { kind: 'saml' }
  | {
      kind: 'api-key';
      username: string;
      appKey: string;
      secret: string;
      accessToken: string;
      accessTokenSecret: string;
    };

/** A session started, and the server's time then (the login object tells the client both). */
export interface LoggedIn extends StartedLogin {
  now: number;
}

/** User Login (L1) and Application Login (L2), platform §4.1–4.3. */
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

  const invalid = () => new AppError(ErrorCode.CREDENTIALS_INVALID, 'Invalid site or agent credentials');
  const notAllowed = (why: string) => new AppError(ErrorCode.USER_NOT_ALLOWED, why);

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
      if (!isFailure) await attempt.release();
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
    if (user.changePwdNextLogin) throw new AppError(ErrorCode.PASSWORD_EXPIRED, 'Password expired');
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
    { username, appKey, secret, accessToken, accessTokenSecret }: Extract<LoginInput, { kind: 'api-key' }>,
    client: LoginClient,
  ): Promise<StartedLogin> {
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

  /** The session `input` starts, if its credentials are right. */
  async function start(account: Account, input: LoginInput, client: LoginClient): Promise<StartedLogin> {
    switch (input.kind) {
      case 'password':
        return passwordLogin(account, input.username, input.password, client);
      case 'saml':
        // SAML login (L3) is optional and not configured in this deployment (platform §4.3).
        throw notAllowed('SAML login is not configured for this account');
      case 'api-key':
        return applicationLogin(account, input, client);
    }
  }

  return {
    /**
     * Refuses an account id that is malformed (400 / 40) or unknown (401 / 6). The Login Service
     * checks the account before it reads the body, so a bad body on an unknown account answers 401.
     */
    async checkAccount(accountId: string): Promise<void> {
      await requireAccount(store, accountId);
    },

    /**
     * Logs in from `client`; failed attempts are throttled per user and address, per address, and
     * per user name (where a source the user logged in from lately is exempt).
     */
    async login(accountId: string, input: LoginInput, client: LoginClient): Promise<LoggedIn> {
      const account = await requireAccount(store, accountId);
      const started = await start(account, input, client);
      return { ...started, now: clock.now() };
    },
  };
}

export type Login = ReturnType<typeof createLogin>;
