import type { FastifyRequest } from 'fastify';
import type { Core } from '../../core/create-core.js';
import { AppError, ErrorCode } from '../../core/errors.js';
import type { Account } from '../../core/model.js';
import type { VisitorOrigin } from '../../core/chats/start-chat.js';
import { CHAT_ID_PATTERN } from '../../core/chats/chat-ids.js';
import { lenientQueryPairs } from '../legacy/lenient-query.js';
import { pathParam } from '../legacy/respond.js';
import { publicBaseUrl, type PublicOriginConfig } from '../public-origin.js';
import { isRecord } from '../legacy/wire.js';
import { checkAppKey } from './app-key.js';
import { callerSlot } from '../legacy/caller.js';

/** The Server Chat API's caller: the account of the request, once its app key is accepted. */
export const visitorAccounts = callerSlot<Account>('visitor account');

/** The Server Chat API's authentication hook (mount-api.ts): the account, its app key checked. */
export const authenticateVisitor = (core: Core) => async (request: FastifyRequest) => {
  const account = await core.accounts.require(pathParam(request, 'accountId'));
  checkAppKey(request, account);
  visitorAccounts.set(request, account);
};

/** The target of a request on a chat: its account (app key checked), the chat id, the public base URL. */
export interface ChatTarget {
  account: Account;
  chatId: string;
  baseUrl: string;
}

/** The account (app key checked) and a chat id of the right shape (anything else cannot exist). */
export function chatTarget(request: FastifyRequest, origin: PublicOriginConfig): ChatTarget {
  const account = visitorAccounts.of(request);
  const chatId = pathParam(request, 'chatId');
  if (!CHAT_ID_PATTERN.test(chatId)) throw new AppError(ErrorCode.NOT_FOUND, 'Chat not found');
  return { account, chatId, baseUrl: publicBaseUrl(request, origin) };
}

export const visitorOrigin = (request: FastifyRequest): VisitorOrigin => ({
  ip: request.ip,
  userAgent: request.headers['user-agent'] ?? '',
});

/** Every non-empty value of a repeated query parameter (request.query keeps the first only). */
export function queryAll(request: FastifyRequest, name: string): string[] {
  const queryAt = request.originalUrl.indexOf('?');
  if (queryAt === -1) return [];
  return lenientQueryPairs(request.originalUrl.slice(queryAt + 1)).flatMap(([key, value]) =>
    key === name && value !== '' ? [value] : [],
  );
}

/** The query with every `skill` given as `skills` (the availability resources' input, §3.1). */
export const availabilityParams = (request: FastifyRequest): Record<string, unknown> => ({
  ...(isRecord(request.query) ? request.query : {}),
  skills: queryAll(request, 'skill'),
});
