import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, InjectOptions } from 'fastify';
import { z } from 'zod';
import { AppError, ErrorCode } from '../../core/errors.js';
import { jsonpQuerySchema } from '../domain/domain-schemas.js';
import { parseInput } from '../legacy/input.js';
import { pathParam, queryParam } from '../legacy/respond.js';
import { registerResource } from '../legacy/resource.js';
import { BRIDGED_PATH } from './bridged-paths.js';

/** The request a js2rest call carries in `lpB`: url, method, body and headers. */
const carriedRequest = z.object({
  u: z.string().max(4096),
  m: z.enum(['GET', 'POST', 'PUT', 'DELETE']).default('GET'),
  b: z.unknown().optional(),
  h: z.union([z.record(z.string(), z.unknown()), z.literal('')]).optional(),
});

/** Headers passed on to the carried request: its credentials and method override, nothing else. */
const PASSED_HEADERS = new Set(['authorization', 'x-http-method-override']);

/** A long request's parts (lpP of lpO) kept until the last arrives; few and short-lived. */
interface Pending {
  parts: string[];
  expiresAt: number;
}
const PENDING_LIMIT = 1000;
const PENDING_TTL_MS = 60_000;

/**
 * The SDK's last-resort transport (lpChat.min.js, `lpTag.taglets.rest2jsonp`), for browsers where
 * the bridge page cannot run: `GET /api/account/{a}/js2rest[/chat|/visit|…]?lpV=1&lpjson=1&lpB=…&cb=…`,
 * where `lpB` is the JSON `{u, m, b, h}` of the REST call to make. The answer calls `cb` with
 * `{responseCode, body, headers}`. A request too long for one URL comes in parts (`lpP` of `lpO`):
 * the first part is answered `{responseCode: 200, lpMeta: {lpS}}` and the others carry that `lpS`.
 * The REST call is made on this server (app.inject) from the caller's address, to the paths the
 * SDK uses only, without cookies.
 */
export function registerJs2RestRoutes(app: FastifyInstance, root: FastifyInstance): void {
  const pending = new Map<string, Pending>();

  const collect = (request: FastifyRequest, chunk: string): string | { lpS: string } => {
    const part = Number(queryParam(request, 'lpP') ?? '1');
    const of = Number(queryParam(request, 'lpO') ?? '1');
    if (!Number.isInteger(part) || !Number.isInteger(of) || part < 1 || of < part || of > 50) {
      throw new AppError(ErrorCode.VALIDATION, 'lpP and lpO must be whole numbers, lpP of lpO');
    }
    if (of === 1) return chunk;
    const now = Date.now();
    for (const [id, entry] of pending) if (entry.expiresAt < now) pending.delete(id);
    if (part === 1) {
      if (pending.size >= PENDING_LIMIT) throw new AppError(ErrorCode.VALIDATION, 'Too many long requests in parts');
      const id = randomBytes(12).toString('base64url');
      pending.set(id, { parts: [chunk], expiresAt: now + PENDING_TTL_MS });
      return { lpS: id };
    }
    const id = queryParam(request, 'lpS') ?? '';
    const entry = pending.get(id);
    if (entry === undefined || entry.parts.length !== part - 1) {
      throw new AppError(ErrorCode.VALIDATION, 'Unknown or out-of-order request part (lpS, lpP)');
    }
    entry.parts.push(chunk);
    if (part < of) return { lpS: id };
    pending.delete(id);
    return entry.parts.join('');
  };

  const carry = async (request: FastifyRequest, json: string) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      throw new AppError(ErrorCode.VALIDATION, 'lpB is not JSON');
    }
    const carried = parseInput(carriedRequest, parsed);
    const target = new URL(carried.u, 'https://parley.invalid');
    const account = pathParam(request, 'accountId');
    if (!BRIDGED_PATH.test(target.pathname) || !target.pathname.startsWith(`/api/account/${account}`)) {
      throw new AppError(ErrorCode.VALIDATION, "js2rest only carries the chat SDK's requests on this account");
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(carried.h === '' || carried.h === undefined ? {} : carried.h)) {
      if (PASSED_HEADERS.has(name.toLowerCase()) && typeof value === 'string') headers[name.toLowerCase()] = value;
    }
    const hasBody = carried.m !== 'GET' && carried.b !== undefined && carried.b !== '';
    const options: InjectOptions = {
      method: carried.m,
      url: `${target.pathname}${target.search}`,
      headers: {
        ...headers,
        host: request.headers.host ?? '',
        ...(hasBody ? { 'content-type': 'application/json' } : {}),
      },
      remoteAddress: request.ip,
      ...(hasBody ? { payload: typeof carried.b === 'string' ? carried.b : JSON.stringify(carried.b) } : {}),
    };
    const response = await root.inject(options);
    let body: unknown = response.body;
    try {
      body = response.body === '' ? '' : JSON.parse(response.body);
    } catch {
      // Not JSON (XML, or text): passed on as it is.
    }
    const location = response.headers.location;
    return {
      responseCode: response.statusCode,
      body,
      headers: typeof location === 'string' ? { Location: location } : {},
    };
  };

  const answer = {
    GET: async (request: FastifyRequest, reply: FastifyReply) => {
      const callback = parseInput(jsonpQuerySchema, request.query);
      const chunk = queryParam(request, 'lpB');
      if (chunk === undefined) throw new AppError(ErrorCode.VALIDATION, 'lpB is missing');
      const collected = collect(request, chunk);
      const data =
        typeof collected === 'string' ? await carry(request, collected) : { responseCode: 200, lpMeta: collected };
      return reply.type('application/javascript').send(`${callback}(${JSON.stringify(data)});`);
    },
  };
  // The SDK appends the kind of call (`/chat`, `/visit`, …) to the path, for the logs.
  registerResource(app, '', answer);
  registerResource(app, '/*', answer);
}
