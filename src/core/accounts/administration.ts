import { randomUUID } from 'node:crypto';
import { AppError, ErrorCode } from '../errors.js';
import type { Role, SharingPermissions, Skill, User } from '../model.js';
import type { Clock, PasswordHasher, Store } from '../ports.js';
import type { LoginSessions } from '../auth/login-sessions.js';
import { requireAccount } from './require-account.js';

export interface AdministrationDeps {
  store: Store;
  clock: Clock;
  hasher: PasswordHasher;
  sessions: LoginSessions;
}

export interface NewUser {
  loginName: string;
  password: string;
  nickname?: string;
  fullName?: string;
  email?: string;
  skills: string[];
  maxChats: number;
  role: Role;
  /** Shared chats (docs/SHARED-CHATS.md): "all" or skill names; left out, the role's default. */
  listen?: 'all' | string[];
  assist?: 'all' | string[];
}

/** A permission as the CLI sets it: "all", skill names, or "default" (the role's). */
export type PermissionSetting = 'all' | 'default' | string[];

/** Deployment administration without a web console: what the `parley` CLI does. */
export function createAdministration({ store, clock, hasher, sessions }: AdministrationDeps) {
  const resolveSkills = async (accountId: string, names: string[]): Promise<number[]> => {
    const ids: number[] = [];
    for (const name of names) {
      const skill = await store.skills.findByName(accountId, name);
      if (skill === undefined) throw new AppError(ErrorCode.NOT_FOUND, `unknown skill "${name}"`);
      ids.push(skill.id);
    }
    return ids;
  };

  const resolveScope = async (accountId: string, scope: 'all' | string[]): Promise<'all' | number[]> =>
    scope === 'all' ? 'all' : resolveSkills(accountId, scope);

  return {
    async listAccounts() {
      return store.accounts.list();
    },

    async listUsers(accountId: string): Promise<User[]> {
      await requireAccount(store, accountId);
      return (await store.users.list(accountId)).filter((user) => !user.deleted);
    },

    async addUser(accountId: string, given: NewUser): Promise<User> {
      await requireAccount(store, accountId);
      const input = { ...given, loginName: given.loginName.trim() };
      if (input.loginName === '') throw new AppError(ErrorCode.VALIDATION, 'the login name is empty');
      if (input.password === '') throw new AppError(ErrorCode.VALIDATION, 'the password is empty');
      if (!Number.isInteger(input.maxChats) || input.maxChats < -1) {
        throw new AppError(ErrorCode.VALIDATION, 'maxChats must be -1 (unlimited) or a whole number ≥ 0');
      }
      const skillIds = await resolveSkills(
        accountId,
        input.skills.map((skill) => skill.trim()),
      );
      const sharing: SharingPermissions = {
        ...(input.listen === undefined ? {} : { listen: await resolveScope(accountId, input.listen) }),
        ...(input.assist === undefined ? {} : { assist: await resolveScope(accountId, input.assist) }),
      };
      const passwordHash = await hasher.hash(input.password);
      return store.transaction(async (tx) => {
        if ((await tx.users.findByLoginName(accountId, input.loginName)) !== undefined) {
          throw new AppError(ErrorCode.CONFLICT, `login name "${input.loginName}" is taken`);
        }
        const now = clock.now();
        const user: User = {
          accountId,
          id: await tx.users.nextId(accountId),
          pid: randomUUID(),
          loginName: input.loginName,
          passwordHash,
          nickname: input.nickname ?? input.loginName,
          fullName: input.fullName ?? '',
          email: input.email ?? '',
          skillIds,
          maxChats: input.maxChats,
          role: input.role,
          enabled: true,
          deleted: false,
          isApiUser: false,
          allowedAppKeys: [],
          changePwdNextLogin: false,
          ...(Object.keys(sharing).length === 0 ? {} : { sharing }),
          createdAt: now,
          updatedAt: now,
        };
        await tx.users.save(user);
        return user;
      });
    },

    /**
     * Sets who a user may listen to and assist (docs/SHARED-CHATS.md): each permission given is
     * "all", skill names, or "default" (the role's); one not given is left as it is.
     */
    async setSharing(
      accountId: string,
      loginName: string,
      given: { listen?: PermissionSetting; assist?: PermissionSetting },
    ): Promise<User> {
      await requireAccount(store, accountId);
      const resolved: { listen?: 'all' | number[] | 'default'; assist?: 'all' | number[] | 'default' } = {};
      for (const kind of ['listen', 'assist'] as const) {
        const value = given[kind];
        if (value !== undefined)
          resolved[kind] = value === 'default' ? 'default' : await resolveScope(accountId, value);
      }
      return store.transaction(async (tx) => {
        const found = await tx.users.findByLoginName(accountId, loginName);
        if (found === undefined) throw new AppError(ErrorCode.NOT_FOUND, `no user "${loginName}"`);
        const sharing: SharingPermissions = { ...found.sharing };
        for (const kind of ['listen', 'assist'] as const) {
          const value = resolved[kind];
          if (value === 'default') delete sharing[kind];
          else if (value !== undefined) sharing[kind] = value;
        }
        const { sharing: _previous, ...rest } = found;
        const updated: User = {
          ...rest,
          ...(Object.keys(sharing).length === 0 ? {} : { sharing }),
          updatedAt: clock.now(),
        };
        await tx.users.save(updated);
        return updated;
      });
    },

    /** Disables a user and ends its login sessions at once (platform §4.7). */
    async disableUser(accountId: string, loginName: string): Promise<User> {
      await requireAccount(store, accountId);
      return store.transaction(async (tx) => {
        const found = await tx.users.findByLoginName(accountId, loginName);
        if (found === undefined) throw new AppError(ErrorCode.NOT_FOUND, `no user "${loginName}"`);
        const disabled = { ...found, enabled: false, updatedAt: clock.now() };
        await tx.users.save(disabled);
        await sessions.endAllForUser(accountId, found.id, tx);
        return disabled;
      });
    },

    async listSkills(accountId: string): Promise<Skill[]> {
      await requireAccount(store, accountId);
      return (await store.skills.list(accountId)).filter((skill) => !skill.deleted);
    },

    async addSkill(accountId: string, givenName: string, id?: number): Promise<Skill> {
      await requireAccount(store, accountId);
      const name = givenName.trim();
      if (name === '') throw new AppError(ErrorCode.VALIDATION, 'the skill name is empty');
      return store.transaction(async (tx) => {
        if ((await tx.skills.findByName(accountId, name)) !== undefined) {
          throw new AppError(ErrorCode.CONFLICT, `skill "${name}" exists`);
        }
        if (id !== undefined && (await tx.skills.get(accountId, id)) !== undefined) {
          throw new AppError(ErrorCode.CONFLICT, `skill id ${id} is taken`);
        }
        const skill: Skill = { accountId, id: id ?? (await tx.skills.nextId(accountId)), name, deleted: false };
        await tx.skills.save(skill);
        return skill;
      });
    },
  };
}

export type Administration = ReturnType<typeof createAdministration>;
