/**
 * The one catalogue of failures the core reports. Transports map each code through a typed table
 * (src/http/legacy/error-table.ts) to the status and body their clients expect; never map by message.
 */
export const ErrorCode = {
  /** Refused in the current state (a line while waiting, ending an ended chat). internalCode 5. */
  STATE_CONFLICT: 'STATE_CONFLICT',
  /** No credentials, or an authorization scheme this route does not know. internalCode 5, 401. */
  AUTH_SCHEME_UNKNOWN: 'AUTH_SCHEME_UNKNOWN',
  /** Unknown account, or a credential of another account. internalCode 6. */
  ACCOUNT_INVALID: 'ACCOUNT_INVALID',
  /** CSRF token does not match the login session. internalCode 10. */
  CSRF_INVALID: 'CSRF_INVALID',
  /** An account feature refuses the call (captcha, visitor authentication). internalCode 10. */
  ACCOUNT_FEATURE_BLOCKED: 'ACCOUNT_FEATURE_BLOCKED',
  /** A Server Chat app key that is present but not accepted: the `lp_problem` text body (server-chat §1.4). */
  APP_KEY_REJECTED: 'APP_KEY_REJECTED',
  /** Wrong user name, password or API-key set. internalCode 20. */
  CREDENTIALS_INVALID: 'CREDENTIALS_INVALID',
  /** User disabled or deleted, login method not allowed, key lacks the permission. internalCode 21. */
  USER_NOT_ALLOWED: 'USER_NOT_ALLOWED',
  /** The user must change the password first. internalCode 22. */
  PASSWORD_EXPIRED: 'PASSWORD_EXPIRED',
  /** Login session or bearer expired, logged out or unknown. internalCode 30. */
  SESSION_INVALID: 'SESSION_INVALID',
  /** Malformed body, query or path value. internalCode 40. */
  VALIDATION: 'VALIDATION',
  /**
   * A request body that cannot be read at all: not JSON or XML, malformed XML, a DOCTYPE or entity
   * declaration, other than one root element, more structure than the server accepts. internalCode 40.
   */
  BODY_MALFORMED: 'BODY_MALFORMED',
  /** Body larger than the server accepts. internalCode 40, 413. */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** Revision mismatch, duplicate unique name, still referenced. internalCode 41. */
  CONFLICT: 'CONFLICT',
  /**
   * An Idempotency-Key sent again with another request than the first it came with
   * (docs/adr/0009-idempotency-keys.md). internalCode 41, 422.
   */
  IDEMPOTENCY_KEY_REUSED: 'IDEMPOTENCY_KEY_REUSED',
  /** Unknown resource (or one of another account, which must look the same). internalCode 42. */
  NOT_FOUND: 'NOT_FOUND',
  /** Authenticated but not allowed. internalCode 43. */
  FORBIDDEN: 'FORBIDDEN',
  /** Method the resource does not have. internalCode 44. */
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  /** Over the request budget; carries retryAfterMs. internalCode 50. */
  RATE_LIMITED: 'RATE_LIMITED',
  /**
   * A transfer the target cannot take (unknown or unavailable agent or skill, the holder itself):
   * 400 with the transfer resource's own `errormsg` body, not the envelope (chat-agent-api §3.23).
   */
  TRANSFER_REFUSED: 'TRANSFER_REFUSED',
  /** The store or another dependency is down. internalCode 99, 503. */
  UNAVAILABLE: 'UNAVAILABLE',
  /** OAuth 1.0 failures (platform spec §5.3.4); rendered as oauth_problem bodies, not envelopes. */
  OAUTH_PARAMETER_ABSENT: 'OAUTH_PARAMETER_ABSENT',
  OAUTH_SIGNATURE_METHOD_REJECTED: 'OAUTH_SIGNATURE_METHOD_REJECTED',
  OAUTH_CONSUMER_KEY_UNKNOWN: 'OAUTH_CONSUMER_KEY_UNKNOWN',
  OAUTH_TOKEN_REJECTED: 'OAUTH_TOKEN_REJECTED',
  OAUTH_TIMESTAMP_REFUSED: 'OAUTH_TIMESTAMP_REFUSED',
  OAUTH_NONCE_USED: 'OAUTH_NONCE_USED',
  OAUTH_SIGNATURE_INVALID: 'OAUTH_SIGNATURE_INVALID',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * How long a client is told to wait before retrying an UNAVAILABLE request when the fault does not
 * know better (a dropped database connection, a busy lock, a drain): another attempt or another node
 * can usually serve it at once. Faults that take longer to clear name their own delay.
 */
export const UNAVAILABLE_RETRY_AFTER_MS = 1_000;

/**
 * A failure expected and reported to the caller by a code of the catalogue above — a chat's
 * state, a login, an OAuth signature, a malformed body, a spent budget — whichever layer finds it;
 * anything else is a server fault (500).
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  /** The request field at fault, for validation failures. */
  readonly field: string | undefined;
  /** For RATE_LIMITED: how long the caller should wait. */
  readonly retryAfterMs: number | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { field?: string; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.field = options.field;
    this.retryAfterMs = options.retryAfterMs;
  }
}

export const isAppError = (error: unknown): error is AppError => error instanceof AppError;
