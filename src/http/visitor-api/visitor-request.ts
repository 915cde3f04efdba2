import type { FastifyRequest } from 'fastify';
import type { Core } from '../../core/create-core.js';
import { requireAccount } from '../../core/accounts/require-account.js';
import { ChatError, ErrorCode } from '../../core/errors.js';
import type { Account } from '../../core/model.js';
import type { VisitorOrigin } from '../../core/chats/start-chat.js';
import { lenientQueryPairs, parseLeadingDigits } from '../legacy/lenient-query.js';
import { pathParam, queryParam } from '../legacy/respond.js';
import { checkAppKey } from './app-key.js';

/** The account of a Server Chat API request, once its app key is accepted. */
export async function visitorAccount(request: FastifyRequest, core: Core): Promise<Account> {
  const account = await requireAccount(core.deps.store, pathParam(request, 'accountId'));
  checkAppKey(request, account);
  return account;
}

export const visitorOrigin = (request: FastifyRequest): VisitorOrigin => ({
  ip: request.ip,
  userAgent: request.headers['user-agent'] ?? '',
});

/** `from` by its leading digits (server-chat §1.3); absent → 0; no leading digit → 400 / 40. */
export function fromParam(request: FastifyRequest): number {
  const raw = queryParam(request, 'from');
  if (raw === undefined) return 0;
  const from = parseLeadingDigits(raw);
  if (from === undefined)
    throw new ChatError(ErrorCode.VALIDATION, 'from must be a non-negative number', { field: 'from' });
  return from;
}

/** Every non-empty value of a repeated query parameter (request.query keeps the first only). */
export function queryAll(request: FastifyRequest, name: string): string[] {
  const queryAt = request.originalUrl.indexOf('?');
  if (queryAt === -1) return [];
  return lenientQueryPairs(request.originalUrl.slice(queryAt + 1)).flatMap(([key, value]) =>
    key === name && value !== '' ? [value] : [],
  );
}

/** A query parameter, with '' treated as absent (server-chat §3.1). */
export const optionalQuery = (request: FastifyRequest, name: string): string | undefined => {
  const value = queryParam(request, name);
  return value === undefined || value === '' ? undefined : value;
};
