import { z } from 'zod';
import type { LoginInput } from '../../core/auth/login.js';
import { isRecord } from '../legacy/wire.js';
import { parseInput } from '../legacy/input.js';

const missing = (field: string) => `Missing or empty field: ${field}`;
const nonEmptyString = (field: string) => z.string({ error: missing(field) }).min(1, { error: missing(field) });

const jsonObject = z.custom<Record<string, unknown>>(isRecord, {
  error: 'The body must be a JSON object',
  path: ['body'],
});

const passwordLogin = z.object({ username: nonEmptyString('username'), password: nonEmptyString('password') });

// Fields in the order they are checked: the first one missing is the one the client is told of.
const applicationLogin = z.object({
  username: nonEmptyString('username'),
  appKey: nonEmptyString('appKey'),
  secret: nonEmptyString('secret'),
  accessToken: nonEmptyString('accessToken'),
  accessTokenSecret: nonEmptyString('accessTokenSecret'),
});

/**
 * The login body (platform §4.1–4.3). The fields present decide which login it is, as
 * node-agent-sdk does: username + password → user login; assertion → SAML; otherwise API key.
 */
export function parseLoginBody(body: unknown): LoginInput {
  const fields = parseInput(jsonObject, body);
  if (fields.username !== undefined && fields.password !== undefined) {
    return { kind: 'password', ...parseInput(passwordLogin, fields) };
  }
  if (fields.assertion !== undefined) return { kind: 'saml' };
  return { kind: 'api-key', ...parseInput(applicationLogin, fields) };
}

const CSRF_MESSAGE = 'The body must be {"csrf": "<token from login>"}';

/** A refresh or logout body: `{"csrf": …}` with the token the login answered; any other body has none. */
export const csrfBody = z.preprocess(
  (body) => (isRecord(body) ? body : {}),
  z.object({ csrf: z.string({ error: CSRF_MESSAGE }).min(1, { error: CSRF_MESSAGE }) }),
);
