import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AuthenticatedSession } from '../../core/auth/login-sessions.js';
import type { Core } from '../../core/create-core.js';
import { AppError, ErrorCode } from '../../core/errors.js';
import type { ApiKey } from '../../core/model.js';
import { parseInput } from '../legacy/input.js';
import { pathParam } from '../legacy/respond.js';
import { publicScheme, signedAuthority, type PublicOriginConfig } from '../public-origin.js';

/** Who is calling an agent-side route: a login session's bearer, or an OAuth 1.0 signed key. */
export type AgentCaller = ({ kind: 'bearer' } & AuthenticatedSession) | { kind: 'api-key'; apiKey: ApiKey };

/** The body the chat hosts answered for a call without usable authorization (issue #59). */
export const UNKNOWN_AUTHORIZATION_MESSAGE =
  'Bad authorization request. general_problem=unknown_authorization_type&general_problem_advice=unknown authorization type received';

const BEARER = /^bearer (\S+)$/i;

/** Query parameters exactly as sent, decoded as a form (what an OAuth 1.0 signer signs). */
function rawQueryPairs(request: FastifyRequest): [string, string][] {
  const url = request.originalUrl;
  const queryAt = url.indexOf('?');
  return queryAt === -1 ? [] : [...new URLSearchParams(url.slice(queryAt + 1))];
}

/** A form body's fields (the legacy layer parsed it flat); a body of another shape has none to sign. */
const formFields = z
  .record(z.string(), z.unknown())
  .transform((fields) =>
    Object.entries(fields).flatMap(([name, value]) =>
      typeof value === 'string' ? [[name, value] as [string, string]] : [],
    ),
  )
  .catch([]);

function formPairs(request: FastifyRequest): [string, string][] {
  const type = request.headers['content-type'] ?? '';
  if (!type.toLowerCase().startsWith('application/x-www-form-urlencoded')) return [];
  return parseInput(formFields, request.body);
}

/**
 * Authenticates a Chat Agent API (or account configuration) request (platform §5.6): a login
 * bearer, or an OAuth 1.0 signature checked against the external URL and the wire method
 * (before method override, §5.3.3). Anything else is 401 / 5.
 */
export async function authenticateAgentCaller(
  request: FastifyRequest,
  core: Core,
  origin: PublicOriginConfig,
  requiredPermission?: string,
): Promise<AgentCaller> {
  const accountId = pathParam(request, 'accountId');
  const authorization = request.headers.authorization?.trim();
  const bearer = authorization === undefined ? undefined : BEARER.exec(authorization)?.[1];
  if (bearer !== undefined) return { kind: 'bearer', ...(await core.sessions.authenticateBearer(accountId, bearer)) };

  const query = rawQueryPairs(request);
  if (core.oauth1.isSigned({ authorization, query })) {
    const originalPath = request.originalUrl.split('?')[0] ?? '';
    const apiKey = await core.oauth1.verify(
      {
        accountId,
        wireMethod: request.raw.method ?? request.method,
        scheme: publicScheme(request, origin),
        host: signedAuthority(request, origin),
        path: originalPath,
        query,
        form: formPairs(request),
        authorization,
      },
      requiredPermission,
    );
    return { kind: 'api-key', apiKey };
  }
  throw new AppError(ErrorCode.AUTH_SCHEME_UNKNOWN, UNKNOWN_AUTHORIZATION_MESSAGE);
}
