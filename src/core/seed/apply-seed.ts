import { randomUUID } from 'node:crypto';
import { AppError, ErrorCode } from '../errors.js';
import {
  defaultAccountSettings,
  type Account,
  type ApiKey,
  type SharingPermissions,
  type Skill,
  type SkillSurveys,
  type User,
} from '../model.js';
import type { Clock, PasswordHasher, SecretBox, Store, Transaction } from '../ports.js';
import type { LoginSessions } from '../auth/login-sessions.js';
import type { Seed, SeedAccount, SeedUser } from './seed-schema.js';

export interface SeedDeps {
  store: Store;
  clock: Clock;
  hasher: PasswordHasher;
  secrets: SecretBox;
  sessions: LoginSessions;
}

export interface SeedSummary {
  accountId: string;
  created: boolean;
  skills: number;
  users: number;
}

/** Keeps a stored hash when it already matches, so re-applying a seed changes nothing. */
async function rehashIfChanged(hasher: PasswordHasher, plain: string, current: string | null | undefined) {
  if (current != null && (await hasher.verify(plain, current))) return { hash: current, changed: false };
  return { hash: await hasher.hash(plain), changed: current != null };
}

/**
 * Applies a parsed seed idempotently: creates what is missing, updates what differs, never
 * duplicates (matching skills by id or name, users by id or login name, keys by app key).
 * All accounts commit together or not at all.
 */
export function createSeedApplier({ store, clock, hasher, secrets, sessions }: SeedDeps) {
  async function applyAccount(tx: Transaction, seed: SeedAccount): Promise<SeedSummary> {
    const now = clock.now();
    const existing = await tx.accounts.get(seed.id);
    const account: Account = {
      id: seed.id,
      name: seed.name ?? existing?.name ?? seed.id,
      appKeys: seed.appKeys,
      settings: {
        ...defaultAccountSettings,
        ...seed.settings,
        systemMessages: { ...defaultAccountSettings.systemMessages, ...seed.settings.systemMessages },
      },
      surveys: seed.surveys,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    };
    await tx.accounts.save(account);

    const skillIdByName = new Map<string, number>();
    const skillSurveys: Record<string, SkillSurveys> = {};
    for (const entry of seed.skills) {
      const byName = await tx.skills.findByName(seed.id, entry.name);
      if (entry.id !== undefined && byName !== undefined && byName.id !== entry.id) {
        throw new AppError(
          ErrorCode.CONFLICT,
          `skill "${entry.name}" exists with id ${byName.id}, the seed gives ${entry.id}`,
        );
      }
      const skill: Skill = {
        accountId: seed.id,
        id: entry.id ?? byName?.id ?? (await tx.skills.nextId(seed.id)),
        name: entry.name,
        deleted: false,
      };
      await tx.skills.save(skill);
      skillIdByName.set(entry.name.toLowerCase(), skill.id);
      if (entry.surveys !== undefined && Object.keys(entry.surveys).length > 0) {
        skillSurveys[String(skill.id)] = entry.surveys;
      }
    }
    // The skills' surveys are keyed by id, known only once the skills are saved.
    if (Object.keys(skillSurveys).length > 0) {
      account.surveys = { ...account.surveys, skills: skillSurveys };
      await tx.accounts.save(account);
    }

    for (const entry of seed.users) await applyUser(tx, account, entry, skillIdByName, now);
    return {
      accountId: seed.id,
      created: existing === undefined,
      skills: seed.skills.length,
      users: seed.users.length,
    };
  }

  async function applyUser(
    tx: Transaction,
    account: Account,
    entry: SeedUser,
    skillIdByName: Map<string, number>,
    now: number,
  ): Promise<void> {
    const byLogin = await tx.users.findByLoginName(account.id, entry.loginName);
    const byId = entry.id === undefined ? undefined : await tx.users.get(account.id, entry.id);
    if (byLogin !== undefined && entry.id !== undefined && byLogin.id !== entry.id) {
      throw new AppError(
        ErrorCode.CONFLICT,
        `loginName "${entry.loginName}" belongs to user ${byLogin.id}, the seed gives ${entry.id}`,
      );
    }
    const existing = byId ?? byLogin;
    const password =
      entry.password === undefined
        ? { hash: existing?.passwordHash ?? null, changed: false }
        : await rehashIfChanged(hasher, entry.password, existing?.passwordHash);

    const user: User = {
      accountId: account.id,
      id: existing?.id ?? entry.id ?? (await tx.users.nextId(account.id)),
      pid: existing?.pid ?? randomUUID(),
      loginName: entry.loginName,
      passwordHash: password.hash,
      nickname: entry.nickname ?? entry.loginName,
      fullName: entry.fullName ?? '',
      email: entry.email ?? '',
      // Names were checked by parseSeed; the map holds every skill of this account's seed.
      skillIds: entry.skills.flatMap((name) => skillIdByName.get(name.toLowerCase()) ?? []),
      maxChats: entry.maxChats,
      role: entry.role,
      enabled: entry.enabled,
      deleted: false,
      isApiUser: entry.apiKeys.length > 0,
      allowedAppKeys: entry.apiKeys.map((key) => key.appKey),
      changePwdNextLogin: false,
      ...sharingOf(entry, skillIdByName),
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    };
    await tx.users.save(user);

    for (const key of entry.apiKeys) {
      const stored = await tx.apiKeys.get(account.id, key.appKey);
      const secret = await rehashIfChanged(hasher, key.secret, stored?.secretHash);
      const tokenSecret = await rehashIfChanged(hasher, key.accessTokenSecret, stored?.accessTokenSecretHash);
      // Also reseal a value the current deployment key cannot open (the key was replaced).
      const resealed =
        stored === undefined ||
        secret.changed ||
        tokenSecret.changed ||
        secrets.open(stored.sealedSecrets) === undefined;
      const apiKey: ApiKey = {
        accountId: account.id,
        appKey: key.appKey,
        secretHash: secret.hash,
        accessToken: key.accessToken,
        accessTokenSecretHash: tokenSecret.hash,
        sealedSecrets: resealed
          ? secrets.seal(JSON.stringify({ secret: key.secret, accessTokenSecret: key.accessTokenSecret }))
          : stored.sealedSecrets,
        name: key.name ?? `${entry.loginName} key`,
        permissions: key.permissions,
        enabled: true,
        createdAt: stored?.createdAt ?? now,
      };
      await tx.apiKeys.save(apiKey);
    }

    // A changed password or a disabled user ends the user's login sessions (platform §4.7).
    const mustEnd = existing !== undefined && (password.changed || (existing.enabled && !user.enabled));
    if (mustEnd) await sessions.endAllForUser(account.id, user.id, tx);
  }

  return {
    async apply(seed: Seed): Promise<SeedSummary[]> {
      return store.transaction(async (tx) => {
        const out = [];
        for (const account of seed.accounts) out.push(await applyAccount(tx, account));
        return out;
      });
    },
  };
}

export type SeedApplier = ReturnType<typeof createSeedApplier>;

/** The seed's listen and assist permissions as skill ids; none given, the role's defaults. */
function sharingOf(entry: SeedUser, skillIdByName: Map<string, number>): { sharing?: SharingPermissions } {
  const scope = (value: 'all' | string[] | undefined) =>
    value === undefined || value === 'all'
      ? value
      : value.flatMap((name) => skillIdByName.get(name.toLowerCase()) ?? []);
  const listen = scope(entry.listen);
  const assist = scope(entry.assist);
  if (listen === undefined && assist === undefined) return {};
  return {
    sharing: { ...(listen === undefined ? {} : { listen }), ...(assist === undefined ? {} : { assist }) },
  };
}
