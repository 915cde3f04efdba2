import { AppError, ErrorCode } from '../errors.js';
import type { ApiKey } from '../model.js';
import type { Clock, SecretBox, Store } from '../ports.js';
import { digest } from '../tokens.js';
import {
  hmacSignature,
  isSupportedSignatureMethod,
  normalizeBaseUrl,
  parseOAuthAuthorization,
  signatureBaseString,
  signaturesEqual,
} from './oauth1-signature.js';

/** A request as it reached the server, as much of it as an OAuth 1.0 signature covers. */
export interface SignedRequest {
  accountId: string;
  /** The method on the wire: a POST overridden to PUT is signed as POST (platform §5.3.3). */
  wireMethod: string;
  /** Scheme and authority the client addressed (the external URL, also behind a proxy). */
  scheme: string;
  host: string;
  /** The path exactly as sent, `.json` suffix included. */
  path: string;
  /** Query parameters, decoded, in order. */
  query: ReadonlyArray<readonly [string, string]>;
  /** Form body parameters when the body is application/x-www-form-urlencoded; JSON is not signed. */
  form: ReadonlyArray<readonly [string, string]>;
  authorization: string | undefined;
}

const REQUIRED = [
  'oauth_consumer_key',
  'oauth_token',
  'oauth_signature_method',
  'oauth_timestamp',
  'oauth_nonce',
  'oauth_signature',
] as const;

/** ±300 s accepted clock skew, and nonces remembered for as long (platform §5.3.4, A26). */
export const OAUTH_TIMESTAMP_WINDOW_MS = 300_000;

/**
 * Verifies an OAuth 1.0 signed request (platform §5.3.4) and returns the API key that signed it.
 * The checks run in the spec's order, each failing with its own oauth_problem.
 */
export function createOAuth1Verifier({ store, clock, secrets }: { store: Store; clock: Clock; secrets: SecretBox }) {
  const problem = (code: ErrorCode, message: string) => new AppError(code, message);

  const openSecrets = (key: ApiKey): { secret: string; accessTokenSecret: string } | undefined => {
    const opened = secrets.open(key.sealedSecrets);
    if (opened === undefined) return undefined;
    const value: unknown = JSON.parse(opened);
    if (typeof value !== 'object' || value === null) return undefined;
    const { secret, accessTokenSecret } = value as Record<string, unknown>;
    return typeof secret === 'string' && typeof accessTokenSecret === 'string'
      ? { secret, accessTokenSecret }
      : undefined;
  };

  return {
    /** True when the request carries OAuth 1.0 credentials (header scheme or query parameters). */
    isSigned(request: Pick<SignedRequest, 'authorization' | 'query'>): boolean {
      return (
        parseOAuthAuthorization(request.authorization ?? '') !== undefined ||
        request.query.some(([name]) => name === 'oauth_signature')
      );
    },

    async verify(request: SignedRequest, requiredPermission?: string): Promise<ApiKey> {
      const fromHeader = parseOAuthAuthorization(request.authorization ?? '') ?? {};
      // Parameters may also travel in the query string (platform §5.3.2).
      const fromQuery = Object.fromEntries(request.query.filter(([name]) => name.startsWith('oauth_')));
      const oauth: Record<string, string> = { ...fromQuery, ...fromHeader };

      for (const name of REQUIRED) {
        if (oauth[name] === undefined || oauth[name] === '')
          throw problem(ErrorCode.OAUTH_PARAMETER_ABSENT, `missing ${name}`);
      }
      const method = oauth.oauth_signature_method ?? '';
      if (!isSupportedSignatureMethod(method)) throw problem(ErrorCode.OAUTH_SIGNATURE_METHOD_REJECTED, method);
      if (oauth.oauth_version !== undefined && oauth.oauth_version !== '1.0') {
        throw problem(ErrorCode.OAUTH_PARAMETER_ABSENT, 'oauth_version must be 1.0');
      }

      const candidates = (await store.apiKeys.findByAppKey(oauth.oauth_consumer_key ?? '')).filter(
        (key) => key.enabled,
      );
      // A key of another account must not pass (checked last, as token_rejected, platform §5.3.4).
      const key = candidates.find((candidate) => candidate.accountId === request.accountId) ?? candidates[0];
      if (key === undefined) throw problem(ErrorCode.OAUTH_CONSUMER_KEY_UNKNOWN, 'unknown consumer key');
      if (key.accessToken !== oauth.oauth_token)
        throw problem(ErrorCode.OAUTH_TOKEN_REJECTED, 'token does not match the key');

      const timestamp = Number(oauth.oauth_timestamp);
      if (!Number.isFinite(timestamp) || Math.abs(clock.now() - timestamp * 1000) > OAUTH_TIMESTAMP_WINDOW_MS) {
        throw problem(ErrorCode.OAUTH_TIMESTAMP_REFUSED, 'timestamp outside the window');
      }

      const keySecrets = openSecrets(key);
      if (keySecrets === undefined) {
        throw problem(ErrorCode.OAUTH_TOKEN_REJECTED, 'key secrets cannot be opened with this deployment key');
      }

      const params = [
        ...request.query.filter(([name]) => name !== 'oauth_signature'),
        ...Object.entries(fromHeader).filter(([name]) => name !== 'oauth_signature' && !fromQuery[name]),
        ...request.form,
      ];
      const baseString = signatureBaseString({
        method: request.wireMethod,
        baseUrl: normalizeBaseUrl(request.scheme, request.host, request.path),
        params,
      });
      const expected = hmacSignature(method, baseString, keySecrets.secret, keySecrets.accessTokenSecret);
      if (!signaturesEqual(expected, oauth.oauth_signature ?? ''))
        throw problem(ErrorCode.OAUTH_SIGNATURE_INVALID, 'bad signature');

      // Remembered only once the signature holds, so forged requests cannot burn a client's nonces;
      // in the store, so a replay is refused after a restart too. Kept for both sides of the window.
      const now = clock.now();
      const isFresh = await store.nonces.remember(
        `${key.accountId}:${key.appKey}`,
        digest(oauth.oauth_nonce ?? ''),
        now,
        now + 2 * OAUTH_TIMESTAMP_WINDOW_MS,
      );
      if (!isFresh) throw problem(ErrorCode.OAUTH_NONCE_USED, 'nonce already used');
      if (key.accountId !== request.accountId) throw problem(ErrorCode.OAUTH_TOKEN_REJECTED, 'key of another account');
      if (requiredPermission !== undefined && !key.permissions.includes(requiredPermission)) {
        throw problem(ErrorCode.FORBIDDEN, 'the API key lacks the permission this call needs');
      }
      return key;
    },
  };
}

export type OAuth1Verifier = ReturnType<typeof createOAuth1Verifier>;
