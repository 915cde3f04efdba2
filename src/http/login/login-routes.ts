import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Core } from '../../core/create-core.js';
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

/**
 * Login Service (platform §4): login (user or API key), refresh and logout, on the agentVep host.
 * Any `v` is accepted (A2); success of login is 200, not 201.
 */
export function registerLoginRoutes(app: FastifyInstance, core: Core, origin: PublicOriginConfig): void {
  registerResource(app, '/api/account/:accountId/login', {
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

  registerResource(app, '/api/account/:accountId/refresh', {
    POST: async (request, reply) => {
      const { csrf } = parseInput(csrfBody, request.body);
      await core.sessions.refresh(pathParam(request, 'accountId'), sessionCookie(request), csrf);
      return sendEmpty(reply);
    },
  });

  registerResource(app, '/api/account/:accountId/logout', {
    POST: async (request, reply) => {
      const { csrf } = parseInput(csrfBody, request.body);
      await core.sessions.logout(pathParam(request, 'accountId'), sessionCookie(request), csrf);
      reply.header('Set-Cookie', `${SESSION_COOKIE}=; Max-Age=0; Path=/`);
      return sendEmpty(reply);
    },
  });
}
