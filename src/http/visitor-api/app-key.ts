import type { FastifyRequest } from 'fastify';
import type { Account } from '../../core/model.js';
import { AppError, ErrorCode } from '../../core/errors.js';
import { UNKNOWN_AUTHORIZATION_MESSAGE } from '../auth/agent-auth.js';
import { queryParam } from '../legacy/respond.js';

/** The public application key LivePerson publishes for the Server Chat API (server-chat §1.4). */
export const GLOBAL_APP_KEY = '721c180b09eb463d9f3191c41762bb68';

const HEADER_FORM = /^liveperson\s+appkey\s*=\s*"?([^"\s,]+)"?$/i;

/**
 * Checks the Server Chat API application key (server-chat §1.4, platform §5.5): in the header
 * `Authorization: LivePerson appKey=…` or the `appKey` query parameter; either valid suffices
 * (Postman also sends the raw key as the whole header). No key at all: 401 / 5 with the observed
 * message; a key that is present but not accepted: 401 with the `lp_problem` text body.
 */
export function checkAppKey(request: FastifyRequest, account: Account): void {
  const header = request.headers.authorization?.trim();
  const candidates = [
    queryParam(request, 'appKey'),
    header === undefined ? undefined : (HEADER_FORM.exec(header)?.[1] ?? header),
  ].filter((key): key is string => key !== undefined && key !== '');
  const accepted = (key: string) =>
    account.appKeys.includes(key) || (account.settings.acceptGlobalAppKey && key === GLOBAL_APP_KEY);
  if (candidates.some(accepted)) return;
  const hasKey = queryParam(request, 'appKey') !== undefined || (header !== undefined && HEADER_FORM.test(header));
  if (hasKey) throw new AppError(ErrorCode.APP_KEY_REJECTED, 'The appKey is not accepted');
  throw new AppError(ErrorCode.AUTH_SCHEME_UNKNOWN, UNKNOWN_AUTHORIZATION_MESSAGE);
}
