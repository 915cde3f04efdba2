import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError, ErrorCode } from '../errors.js';
import type { Account } from '../model.js';
import type { Clock, Random, Store } from '../ports.js';
import { requireAccount } from '../accounts/require-account.js';
import { isRecord } from '../guards.js';

const base64url = (data: Buffer) => data.toString('base64url');

/** A UUID-shaped rendering of 16 bytes (version 4 / variant bits set, as clients expect GUIDs). */
function uuidFrom(bytes: Uint8Array): string {
  const b = Buffer.from(bytes.slice(0, 16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Visitor authentication (server-chat §3.7), behind the account setting `visitorAuthentication`:
 * the `ssoKey` is the brand identity provider's implicit-flow JWT, signed HS256 with the shared
 * secret configured for the account. The answer's `conversationId` is an HMAC of the
 * `participantId`, so Start Chat can check the pair without storing it; with `required: true`
 * Start Chat refuses visitors without a valid pair.
 */
export function createVisitorAuthentication({ store, clock, random }: { store: Store; clock: Clock; random: Random }) {
  const refuse = (message: string) => new AppError(ErrorCode.ACCOUNT_FEATURE_BLOCKED, message);

  const conversationIdFor = (secret: string, participantId: string) =>
    uuidFrom(createHmac('sha256', secret).update(`conversation:${participantId}`).digest());

  function verifyJwt(token: string, secret: string, now: number): Record<string, unknown> {
    const [header, payload, signature] = token.split('.');
    if (header === undefined || payload === undefined || signature === undefined) throw refuse('ssoKey is not a JWT');
    let parsedHeader: unknown;
    let claims: unknown;
    try {
      parsedHeader = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      throw refuse('ssoKey is not a JWT');
    }
    if (!isRecord(parsedHeader) || parsedHeader.alg !== 'HS256' || !isRecord(claims))
      throw refuse('ssoKey must be an HS256 JWT');
    const expected = Buffer.from(base64url(createHmac('sha256', secret).update(`${header}.${payload}`).digest()));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given))
      throw refuse('ssoKey signature is invalid');
    const seconds = now / 1000;
    if (typeof claims.exp === 'number' && claims.exp < seconds) throw refuse('ssoKey has expired');
    if (typeof claims.nbf === 'number' && claims.nbf > seconds + 60) throw refuse('ssoKey is not valid yet');
    return claims;
  }

  return {
    /**
     * Exchanges the visitor's `ssoKey` for a participant and conversation pair. A missing key
     * (undefined) is refused only after the account is known to use visitor authentication.
     */
    async authenticate(
      accountId: string,
      ssoKey: string | undefined,
    ): Promise<{ participantId: string; conversationId: string }> {
      const account = await requireAccount(store, accountId);
      const settings = account.settings.visitorAuthentication;
      if (settings === null) throw refuse('Visitor authentication is not enabled for this account');
      if (ssoKey === undefined) {
        throw new AppError(ErrorCode.VALIDATION, 'ssoKey is required', { field: 'ssoKey' });
      }
      const claims = verifyJwt(ssoKey, settings.jwtSecret, clock.now());
      const participantId = uuidFrom(random.bytes(16));
      // What the identity provider vouched for, shown to the agent (chat-agent-api §3.12).
      await store.visitorIdentities.save(account.id, participantId, claims, clock.now());
      return { participantId, conversationId: conversationIdFor(settings.jwtSecret, participantId) };
    },

    /** Start Chat's check: a pair this server issued, required when the account says so. */
    checkChatRequest(account: Account, participantId: string | undefined, conversationId: string | undefined): void {
      const settings = account.settings.visitorAuthentication;
      if (settings === null) return;
      if (participantId === undefined && conversationId === undefined) {
        if (settings.required) throw refuse('This account requires visitor authentication');
        return;
      }
      const expected = participantId === undefined ? undefined : conversationIdFor(settings.jwtSecret, participantId);
      if (expected === undefined || expected !== conversationId)
        throw refuse('participantId and conversationId do not match');
    },
  };
}

export type VisitorAuthentication = ReturnType<typeof createVisitorAuthentication>;
