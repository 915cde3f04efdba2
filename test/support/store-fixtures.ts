import { defaultAccountSettings, Role, type Account, type User } from '../../src/core/model.js';

/** A time past 2^32 ms, so a 32-bit or string read of bigint columns would show. */
export const FIXTURE_TIME = Date.UTC(2026, 10, 21, 9, 30, 0);

/** An account as the store contract tests save it: its own app key, default settings. */
export function anAccount(id: string, overrides: Partial<Account> = {}): Account {
  return {
    id,
    name: `Account ${id}`,
    appKeys: [`app-${id}`],
    settings: { ...defaultAccountSettings, systemMessages: { ...defaultAccountSettings.systemMessages } },
    surveys: {},
    createdAt: FIXTURE_TIME,
    updatedAt: FIXTURE_TIME,
    ...overrides,
  };
}

/** An agent of `accountId`, as the store contract tests save it. */
export function aUser(accountId: string, id: number, overrides: Partial<User> = {}): User {
  return {
    accountId,
    id,
    pid: `pid-${accountId}-${id}`,
    loginName: `user${id}`,
    passwordHash: `scrypt$hash-${id}`,
    nickname: `Nick ${id}`,
    fullName: `User Number ${id}`,
    email: `user${id}@example.test`,
    skillIds: [],
    maxChats: 3,
    role: Role.AGENT,
    enabled: true,
    deleted: false,
    isApiUser: false,
    allowedAppKeys: [],
    changePwdNextLogin: false,
    createdAt: FIXTURE_TIME,
    updatedAt: FIXTURE_TIME,
    ...overrides,
  };
}
