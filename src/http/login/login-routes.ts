import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Core } from '../../core/create-core.js';
import type { AuthenticatedSession } from '../../core/auth/login-sessions.js';
import { callerSlot } from '../legacy/caller.js';
import { parseInput } from '../legacy/input.js';
import { pathParam, sendEmpty, sendLegacy } from '../legacy/respond.js';
import { registerResource } from '../legacy/resource.js';
import { publicAuthority, publicScheme, type PublicOriginConfig } from '../public-origin.js';
import { presentLogin } from './login-presenter.js';
import { csrfBody, parseLoginBody } from './login-schemas.js';

const SESSION_COOKIE = 'session_id';

/** The session cookie under any capitalisation (`session_id`, `Session_id`: platform §4.6, A1). */
function sessionCookie(request: FastifyRequest): string | undefined {
  const entry = Object.entries(request.cookies).find(([name]) => name.toLowerCase() === SESSION_COOKIE);
  return entry?.[1];
}

/** The caller of refresh and logout: the login session behind the cookie, its csrf checked. */
export const loginSessions = callerSlot<AuthenticatedSession>('login session');

/**
 * The authentication hook of refresh and logout (mount-api.ts): the session behind the cookie
 * (401 / 30, whatever the body), then the body's csrf (400 / 40 without one) and its match (401 / 10).
 */
export const authenticateLoginSession = (core: Core) => async (request: FastifyRequest) => {
  loginSessions.set(
    request,
    await core.sessions.authenticateCookie(
      pathParam(request, 'accountId'),
      sessionCookie(request),
      () => parseInput(csrfBody, request.body).csrf,
    ),
  );
};

/** Login (platform §4.2–4.4), by user or API key; success is 200, not 201. Any `v` is accepted (A2). */
export function registerLoginResource(app: FastifyInstance, core: Core, origin: PublicOriginConfig): void {
  registerResource(app, '', {
    POST: async (request, reply) => {
      const accountId = pathParam(request, 'accountId');
      await core.login.checkAccount(accountId);
      const input = parseLoginBody(request.body);
      // request.ip is the proxy's report only with PARLEY_TRUST_PROXY, so a client cannot pick its own.
      const login = await core.login.login(accountId, input, { address: request.ip });
      const baseURIs = await core.services.all(accountId, publicAuthority(request, origin));
      const isSecure = publicScheme(request, origin) === 'https';
      // No Secure flag over plain HTTP: cookie jars would never send it back (platform §4.6).
      // Exactly the documented attributes (platform §4.6); the value is base64url, safe as it is.
      reply.header(
        'Set-Cookie',
        `${SESSION_COOKIE}=${login.tokens.cookie}; Path=/; HttpOnly${isSecure ? '; Secure; SameSite=None' : ''}`,
      );
      return sendLegacy(reply, 200, presentLogin(login, baseURIs));
    },
  });
}

/** Refresh (platform §4.8): keeps the login session alive. */
export function registerRefreshResource(app: FastifyInstance, core: Core): void {
  registerResource(app, '', {
    POST: async (request, reply) => {
      await core.sessions.refresh(loginSessions.of(request));
      return sendEmpty(reply);
    },
  });
}

/** Logout (platform §4.9): ends the login session and clears its cookie. */
export function registerLogoutResource(app: FastifyInstance, core: Core): void {
  registerResource(app, '', {
    POST: async (request, reply) => {
      await core.sessions.logout(loginSessions.of(request).session);
      reply.header('Set-Cookie', `${SESSION_COOKIE}=; Max-Age=0; Path=/`);
      return sendEmpty(reply);
    },
  });
}
