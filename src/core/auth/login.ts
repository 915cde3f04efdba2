import { ChatError, ErrorCode } from '../errors.js';
import { AuthMethod, Permission, type Account, type User } from '../model.js';
import type { PasswordHasher, RateBudget, RateLimiter, Store } from '../ports.js';
import { requireAccount } from '../accounts/require-account.js';
import type { LoginSessions, StartedLogin } from './login-sessions.js';
import { isRecord } from '../guards.js';

export interface LoginDeps {
  store: Store;
  hasher: PasswordHasher;
  sessions: LoginSessions;
  rateLimiter: RateLimiter;
  /** Login attempts per account and user name (brute-force brake). */
  loginBudget: RateBudget;
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
export function createLogin({ store, hasher, sessions, rateLimiter, loginBudget }: LoginDeps) {
  // A hash of a value nobody knows, verified when the user or key is unknown so that the time an
  // answer takes does not tell which part of the credentials was wrong.
  let decoy: Promise<string> | undefined;
  const decoyHash = () => (decoy ??= hasher.hash(`decoy:${Date.now()}:${Math.random()}`));

  const invalid = () => new ChatError(ErrorCode.CREDENTIALS_INVALID, 'Invalid site or agent credentials');
  const notAllowed = (why: string) => new ChatError(ErrorCode.USER_NOT_ALLOWED, why);

  const brake = (account: Account, username: string): void => {
    const decision = rateLimiter.take(`login:${account.id}:${username.toLowerCase()}`, loginBudget);
    if (!decision.allowed) {
      throw new ChatError(ErrorCode.RATE_LIMITED, 'Too many login attempts', { retryAfterMs: decision.retryAfterMs });
    }
  };

  const checkUsable = (user: User): void => {
    if (!user.enabled) throw notAllowed('User is disabled');
    if (user.changePwdNextLogin) throw new ChatError(ErrorCode.PASSWORD_EXPIRED, 'Password expired');
  };

  async function passwordLogin(account: Account, username: string, password: string): Promise<StartedLogin> {
    brake(account, username);
    const user = await store.users.findByLoginName(account.id, username);
    if (user?.isApiUser === true && user.passwordHash === null) {
      // Verify anyway: the answer must take as long as for anyone else.
      await hasher.verify(password, await decoyHash());
      throw notAllowed('This user logs in with an API key');
    }
    const matches = await hasher.verify(password, user?.passwordHash ?? (await decoyHash()));
    if (user === undefined || !matches) throw invalid();
    checkUsable(user);
    return sessions.start(account, user, AuthMethod.PASSWORD);
  }

  async function applicationLogin(account: Account, body: Record<string, unknown>): Promise<StartedLogin> {
    const username = nonEmptyString(body, 'username');
    const appKey = nonEmptyString(body, 'appKey');
    const secret = nonEmptyString(body, 'secret');
    const accessToken = nonEmptyString(body, 'accessToken');
    const accessTokenSecret = nonEmptyString(body, 'accessTokenSecret');
    brake(account, username);
    const key = await store.apiKeys.get(account.id, appKey);
    // Both hashes are always checked, so a wrong first value costs the same as a wrong second.
    const [secretOk, tokenSecretOk] = await Promise.all([
      hasher.verify(secret, key?.secretHash ?? (await decoyHash())),
      hasher.verify(accessTokenSecret, key?.accessTokenSecretHash ?? (await decoyHash())),
    ]);
    if (key === undefined || !key.enabled || key.accessToken !== accessToken || !secretOk || !tokenSecretOk) {
      throw invalid();
    }
    if (!key.permissions.includes(Permission.USER_LOGIN)) throw notAllowed('API key lacks the User Login permission');
    const user = await store.users.findByLoginName(account.id, username);
    if (user === undefined || !user.isApiUser || !user.allowedAppKeys.includes(appKey)) {
      throw notAllowed('User may not log in with this API key');
    }
    checkUsable(user);
    return sessions.start(account, user, AuthMethod.API_KEY);
  }

  return {
    async login(accountId: string, body: unknown): Promise<StartedLogin> {
      const account = await requireAccount(store, accountId);
      if (!isRecord(body))
        throw new ChatError(ErrorCode.VALIDATION, 'The body must be a JSON object', { field: 'body' });
      if (body.username !== undefined && body.password !== undefined) {
        return passwordLogin(account, nonEmptyString(body, 'username'), nonEmptyString(body, 'password'));
      }
      if (body.assertion !== undefined) {
        // SAML login (L3) is optional and not configured in this deployment (platform §4.3).
        throw notAllowed('SAML login is not configured for this account');
      }
      return applicationLogin(account, body);
    },
  };
}

export type Login = ReturnType<typeof createLogin>;
