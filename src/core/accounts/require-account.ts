import { AppError, ErrorCode } from '../errors.js';
import type { Account } from '../model.js';
import type { Store } from '../ports.js';
import { ACCOUNT_ID_PATTERN } from '../tokens.js';

/** Checks the id's shape (400 / 40) before looking the account up (ACCOUNT_INVALID when unknown). */
export function validateAccountId(accountId: string): void {
  if (!ACCOUNT_ID_PATTERN.test(accountId)) {
    throw new AppError(ErrorCode.VALIDATION, `Invalid account id format: ${accountId.slice(0, 40)}`, {
      field: 'accountId',
    });
  }
}

export async function requireAccount(store: Store, accountId: string): Promise<Account> {
  validateAccountId(accountId);
  const account = await store.accounts.get(accountId);
  if (account === undefined) throw new AppError(ErrorCode.ACCOUNT_INVALID, `Invalid Account id: ${accountId}`);
  return account;
}
