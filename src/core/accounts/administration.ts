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
  /**
   * Ends one agent session and hands its chats on (src/core/agents/agent-sessions.ts): passed in,
   * as the agent sessions are wired after administration's own dependencies.
   */
  endAgentSession: (accountId: string, sessionId: string) => Promise<void>;
}

/** What removing a skill found still using it (and detached, when asked to). */
export interface SkillRemoval {
  skill: Skill;
  /** Users that held the skill or could listen to or assist in its chats; detached from it. */
  detachedFrom: string[];
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

/** A skill users still hold or may listen to or assist in: detaching it from them removes it. */
export class SkillInUseError extends AppError {
  constructor(
    readonly skill: string,
    readonly users: string[],
  ) {
    super(
      ErrorCode.CONFLICT,
      `skill "${skill}" is still held or shared by ${users.join(', ')}: detach it from ${users.length === 1 ? 'that user' : 'them'} to remove it`,
    );
  }
}

/** Deployment administration without a web console: what the `parley` CLI does. */
export function createAdministration({ store, clock, hasher, sessions, endAgentSession }: AdministrationDeps) {
  const resolveSkills = async (accountId: string, names: string[]): Promise<number[]> => {
    const ids: number[] = [];
    for (const name of names) {
      const skill = await store.skills.findByName(accountId, name);
      if (skill === undefined) throw new AppError(ErrorCode.NOT_FOUND, `unknown skill "${name}"`);
      ids.push(skill.id);
    }
    return ids;
  };

  /** The user with this login name (deleted users excluded), read in `tx`; NOT_FOUND naming it. */
  const requireUser = async (tx: Store, accountId: string, loginName: string): Promise<User> => {
    const found = await tx.users.findByLoginName(accountId, loginName);
    if (found === undefined) throw new AppError(ErrorCode.NOT_FOUND, `no user "${loginName}" in account ${accountId}`);
    return found;
  };

  /**
   * Ends the user's live agent sessions, once the change that locks the user out has committed (so
   * no new one can start meanwhile): the chats they hold go to another session of the user, back
   * to the queue, or end, as when an agent logs out (chat-agent-api §3.2). Login sessions are
   * ended in the change itself; this also covers API-key (OAuth 1.0) sessions, which have none.
   */
  const endAgentSessionsOf = async (user: User, liveBefore: readonly string[] = []): Promise<number> => {
    // Ending the login sessions also ends the agent sessions they created, from the bus and perhaps
    // before this runs: those read in the change count as well, so the figure does not depend on it.
    const live = (await store.agentSessions.listLive(user.accountId)).filter((s) => s.userId === user.id);
    const ids = new Set([...liveBefore, ...live.map((session) => session.id)]);
    for (const id of ids) await endAgentSession(user.accountId, id);
    return ids.size;
  };
  /** The ids of the user's live agent sessions, read in `tx` before the change that locks it out. */
  const liveAgentSessionIds = async (tx: Store, user: User): Promise<string[]> =>
    (await tx.agentSessions.listLive(user.accountId)).filter((s) => s.userId === user.id).map((s) => s.id);

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

    /**
     * Disables a user: its login sessions end at once (platform §4.7), then its agent sessions.
     * Disabling a disabled user changes nothing and succeeds.
     */
    async disableUser(accountId: string, loginName: string): Promise<User> {
      await requireAccount(store, accountId);
      const disabled = await store.transaction(async (tx) => {
        const found = await requireUser(tx, accountId, loginName);
        const updated = { ...found, enabled: false, updatedAt: clock.now() };
        await tx.users.save(updated);
        await sessions.endAllForUser(accountId, found.id, tx);
        return updated;
      });
      await endAgentSessionsOf(disabled);
      return disabled;
    },

    /** Enables a disabled user again (it logs in as before); an enabled one is left as it is. */
    async enableUser(accountId: string, loginName: string): Promise<User> {
      await requireAccount(store, accountId);
      return store.transaction(async (tx) => {
        const found = await requireUser(tx, accountId, loginName);
        if (found.enabled) return found;
        const enabled = { ...found, enabled: true, updatedAt: clock.now() };
        await tx.users.save(enabled);
        return enabled;
      });
    },

    /**
     * Replaces a user's password (hashed as every password is) and ends its login sessions, so
     * whoever knew the old one is out (platform §4.7); its agent sessions end with them. The
     * user's API keys, if it has any, are left as they are.
     */
    async setPassword(accountId: string, loginName: string, password: string): Promise<User> {
      await requireAccount(store, accountId);
      if (password === '') throw new AppError(ErrorCode.VALIDATION, 'the password is empty');
      const passwordHash = await hasher.hash(password);
      const changed = await store.transaction(async (tx) => {
        const found = await requireUser(tx, accountId, loginName);
        const updated: User = { ...found, passwordHash, changePwdNextLogin: false, updatedAt: clock.now() };
        await tx.users.save(updated);
        await sessions.endAllForUser(accountId, found.id, tx);
        return updated;
      });
      await endAgentSessionsOf(changed);
      return changed;
    },

    /**
     * Removes a user: it is marked deleted, not erased, so the chats it took part in keep their
     * history (their lines and events carry the agent's name, the chat its id). It can no longer
     * log in, its sessions end as a disabled user's do, and its login name is free again. A new
     * user with that name gets a new id: history is never attributed to it.
     */
    async removeUser(accountId: string, loginName: string): Promise<{ user: User; endedAgentSessions: number }> {
      await requireAccount(store, accountId);
      const { removed, liveBefore } = await store.transaction(async (tx) => {
        const found = await requireUser(tx, accountId, loginName);
        const updated = { ...found, enabled: false, deleted: true, updatedAt: clock.now() };
        const ids = await liveAgentSessionIds(tx, found);
        await tx.users.save(updated);
        await sessions.endAllForUser(accountId, found.id, tx);
        return { removed: updated, liveBefore: ids };
      });
      return { user: removed, endedAgentSessions: await endAgentSessionsOf(removed, liveBefore) };
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

    /**
     * Removes a skill: it is marked deleted, not erased, so ended chats keep their skill in history
     * and its id is never given to another skill. Refused (CONFLICT) while chats of the skill are
     * waiting or under way: they would be left with a skill nobody can hold. Refused too while users
     * hold it, or may listen to or assist in its chats — unless `detach`, which takes it from them in
     * the same change. The users are named either way.
     */
    async removeSkill(accountId: string, givenName: string, options: { detach?: boolean } = {}): Promise<SkillRemoval> {
      await requireAccount(store, accountId);
      const name = givenName.trim();
      return store.transaction(async (tx) => {
        const skill = await tx.skills.findByName(accountId, name);
        if (skill === undefined) throw new AppError(ErrorCode.NOT_FOUND, `no skill "${name}" in account ${accountId}`);
        const live = (await tx.chats.live(accountId)).filter((chat) => chat.skillId === skill.id);
        if (live.length > 0) {
          throw new AppError(
            ErrorCode.CONFLICT,
            `skill "${skill.name}" has ${live.length} chat${live.length === 1 ? '' : 's'} waiting or under way: remove it once ${live.length === 1 ? 'it has' : 'they have'} ended`,
          );
        }
        const inScope = (scope: 'all' | number[] | undefined) => Array.isArray(scope) && scope.includes(skill.id);
        const users = (await tx.users.list(accountId)).filter(
          (user) =>
            !user.deleted &&
            (user.skillIds.includes(skill.id) || inScope(user.sharing?.listen) || inScope(user.sharing?.assist)),
        );
        const names = users.map((user) => user.loginName);
        if (users.length > 0 && options.detach !== true) {
          throw new SkillInUseError(skill.name, names);
        }
        const now = clock.now();
        const without = (scope: 'all' | number[] | undefined) =>
          Array.isArray(scope) ? scope.filter((id) => id !== skill.id) : scope;
        for (const user of users) {
          const { sharing, ...rest } = user;
          const listen = without(sharing?.listen);
          const assist = without(sharing?.assist);
          const kept: SharingPermissions = {
            ...(listen === undefined ? {} : { listen }),
            ...(assist === undefined ? {} : { assist }),
          };
          await tx.users.save({
            ...rest,
            skillIds: user.skillIds.filter((id) => id !== skill.id),
            ...(sharing === undefined ? {} : { sharing: kept }),
            updatedAt: now,
          });
        }
        const removed = { ...skill, deleted: true };
        await tx.skills.save(removed);
        return { skill: removed, detachedFrom: names };
      });
    },
  };
}

export type Administration = ReturnType<typeof createAdministration>;
