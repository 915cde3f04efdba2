import { ErrorCode } from '../../core/errors.js';
import type { LegacyApi } from './legacy-api.js';

/**
 * How one core error code is answered: the shared envelope, an OAuth 1.0 problem body, a fixed
 * text, or a resource's own document (a refused transfer's `errormsg`).
 */
export type ErrorMapping =
  | { kind: 'envelope'; status: number; internalCode: number }
  | { kind: 'oauth'; status: 401; problem: string; advice: string }
  | { kind: 'text'; status: number; body: string }
  | { kind: 'document'; status: number; document: (message: string) => Record<string, unknown> };

export const envelope = (status: number, internalCode: number): ErrorMapping => ({
  kind: 'envelope',
  status,
  internalCode,
});
const oauth = (problem: string, advice: string): ErrorMapping => ({ kind: 'oauth', status: 401, problem, advice });

/**
 * The shared internalCode table (platform §1.5, identical in both chat specs). A Record, so a new
 * core code without a mapping does not compile.
 */
export const errorTable: Record<ErrorCode, ErrorMapping> = {
  STATE_CONFLICT: envelope(400, 5),
  AUTH_SCHEME_UNKNOWN: envelope(401, 5),
  ACCOUNT_INVALID: envelope(401, 6),
  CSRF_INVALID: envelope(401, 10),
  ACCOUNT_FEATURE_BLOCKED: envelope(401, 10),
  // Reported in developer-center PR #922; status and content type are the spec's choice (server-chat §1.4).
  APP_KEY_REJECTED: {
    kind: 'text',
    status: 401,
    body: 'lp_problem=consumer_key_rejected&lp_problem_advice=the appKey is permanently unacceptable to the Service Provider',
  },
  CREDENTIALS_INVALID: envelope(401, 20),
  USER_NOT_ALLOWED: envelope(401, 21),
  PASSWORD_EXPIRED: envelope(401, 22),
  SESSION_INVALID: envelope(401, 30),
  VALIDATION: envelope(400, 40),
  // Chat Agent API spec §1.8: an unreadable body is a validation failure, whichever API it was sent to.
  BODY_MALFORMED: envelope(400, 40),
  PAYLOAD_TOO_LARGE: envelope(413, 40),
  CONFLICT: envelope(409, 41),
  // The IETF httpapi idempotency-key draft's status for a key reused with another request.
  IDEMPOTENCY_KEY_REUSED: envelope(422, 41),
  NOT_FOUND: envelope(404, 42),
  FORBIDDEN: envelope(403, 43),
  METHOD_NOT_ALLOWED: envelope(405, 44),
  RATE_LIMITED: envelope(429, 50),
  UNAVAILABLE: envelope(503, 99),
  // A failed transfer answers in the transfer resource's shape (chat-agent-api §1.8, §3.23).
  TRANSFER_REFUSED: { kind: 'document', status: 400, document: (message) => ({ transfer: { errormsg: message } }) },
  // Observed texts reused verbatim where known (platform §5.3.6); the rest follow the pattern.
  OAUTH_PARAMETER_ABSENT: oauth('parameter_absent', 'a required oauth parameter is missing'),
  OAUTH_SIGNATURE_METHOD_REJECTED: oauth('signature_method_rejected', 'the oauth_signature_method is not supported'),
  OAUTH_CONSUMER_KEY_UNKNOWN: oauth('consumer_key_unknown', 'the oauth_consumer_key is unknown'),
  OAUTH_TOKEN_REJECTED: oauth('token_rejected', 'the oauth_token is unacceptable to the Service Provider'),
  OAUTH_TIMESTAMP_REFUSED: oauth('timestamp_refused', 'the oauth_timestamp is outside the accepted window'),
  OAUTH_NONCE_USED: oauth('nonce_used', 'the oauth_nonce has been used already'),
  OAUTH_SIGNATURE_INVALID: oauth('signature_invalid', 'the oauth_signature is invalid'),
};

/** How `api` answers `code`: its own override (LegacyApi.errorOverrides), else the shared table. */
export function mappingFor(code: ErrorCode, api: LegacyApi): ErrorMapping {
  return api.errorOverrides?.[code] ?? errorTable[code];
}

/** Java-style enum names of the statuses we send (`responseStatus`, platform §1.5). */
export const responseStatusName: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  408: 'REQUEST_TIMEOUT',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE_ENTITY',
  429: 'TOO_MANY_REQUESTS',
  431: 'REQUEST_HEADER_FIELDS_TOO_LARGE',
  500: 'INTERNAL_SERVER_ERROR',
  503: 'SERVICE_UNAVAILABLE',
};
