import { sql, type Kysely, type Transaction as KyselyTransaction } from 'kysely';
import type {
  AccountRepository,
  AgentSessionRepository,
  ApiKeyRepository,
  ChatRepository,
  IdempotencyKeyRepository,
  KnownLoginSourceRepository,
  LeaseRepository,
  NodeRepository,
  NonceRepository,
  OfflineMessageRepository,
  VisitorIdentityRepository,
  LoginSessionRepository,
  SkillRepository,
  Store,
  StoreCondition,
  Transaction,
  UserRepository,
} from '../core/ports.js';
import {
  defaultAccountSettings,
  type Account,
  type AccountSettings,
  type ApiKey,
  type AuthMethod,
  type LoginSession,
  type Role,
  type SharingPermissions,
  type Skill,
  type User,
} from '../core/model.js';
import type { Database } from './schema.js';
import { runAfterCommit, warnOfAfterCommitError, type AfterCommitErrorReporter } from './after-commit.js';
import {
  agentSessionRepository,
  chatRepository,
  offlineMessageRepository,
  parseJson,
  visitorIdentityRepository,
  type Dialect,
} from './chat-repositories.js';
import {
  DEFAULT_SWEEP_BATCH_SIZE,
  idempotencyKeyRepository,
  knownLoginSourceRepository,
  nonceRepository,
} from './key-repositories.js';
import { leaseRepository, nodeRepository } from './node-repositories.js';

const bool = (value: boolean): number => (value ? 1 : 0);

/** Runs several statements as one: inside the caller's transaction, or in a new one. */
const atomically = async (db: Kysely<Database>, work: (q: Kysely<Database>) => Promise<void>): Promise<void> => {
  if (db.isTransaction) return work(db);
  await db.transaction().execute(work);
};

/** Reads stored settings over the defaults, so a setting added later has its default for old rows. */
const readSettings = (text: string): AccountSettings => {
  const stored = parseJson<Partial<AccountSettings>>(text, {});
  return {
    ...defaultAccountSettings,
    ...stored,
    systemMessages: { ...defaultAccountSettings.systemMessages, ...(stored.systemMessages ?? {}) },
  };
};

/**
 * The one SQL implementation of the Store port. SQLite and PostgreSQL differ only in how the Kysely
 * instance is made (src/store/open-store.ts).
 */
export interface KyselyStoreOptions {
  /** Closes the database (default: destroy the Kysely instance). */
  close?: () => Promise<void>;
  /** See Store.externalVersion. */
  externalVersion?: () => number | undefined;
  /** See Store.catchUp (default: nothing to wait for). */
  catchUp?: () => Promise<void>;
  /** See Store.condition (default `ok`). */
  condition?: () => StoreCondition;
  /** Rows a key sweep deletes per statement (default DEFAULT_SWEEP_BATCH_SIZE). */
  sweepBatchSize?: number;
  /**
   * Told of an after-commit callback that threw (default: a process warning). The transaction has
   * committed regardless, so the error cannot be its caller's.
   */
  onAfterCommitError?: AfterCommitErrorReporter;
}

export class KyselyStore implements Store {
  readonly accounts: AccountRepository;
  readonly skills: SkillRepository;
  readonly users: UserRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly loginSessions: LoginSessionRepository;
  readonly chats: ChatRepository;
  readonly agentSessions: AgentSessionRepository;
  readonly offlineMessages: OfflineMessageRepository;
  readonly visitorIdentities: VisitorIdentityRepository;
  readonly nonces: NonceRepository;
  readonly idempotencyKeys: IdempotencyKeyRepository;
  readonly knownLoginSources: KnownLoginSourceRepository;
  readonly nodes: NodeRepository;
  readonly leases: LeaseRepository;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
    /** What the store and every transaction's store share. */
    private readonly options: KyselyStoreOptions = {},
    /** Inside a transaction: what runs once it commits, in order. */
    private readonly commitCallbacks?: (() => void)[],
  ) {
    const sweepBatchSize = options.sweepBatchSize ?? DEFAULT_SWEEP_BATCH_SIZE;
    this.accounts = accountRepository(db);
    this.skills = skillRepository(db);
    this.users = userRepository(db);
    this.apiKeys = apiKeyRepository(db);
    this.loginSessions = loginSessionRepository(db);
    this.chats = chatRepository(db, dialect);
    this.agentSessions = agentSessionRepository(db);
    this.offlineMessages = offlineMessageRepository(db);
    this.visitorIdentities = visitorIdentityRepository(db);
    this.nonces = nonceRepository(db, sweepBatchSize);
    this.idempotencyKeys = idempotencyKeyRepository(db, sweepBatchSize);
    this.knownLoginSources = knownLoginSourceRepository(db, sweepBatchSize);
    this.nodes = nodeRepository(db, dialect);
    this.leases = leaseRepository(db);
  }

  async lockAccount(accountId: string): Promise<void> {
    if (!this.db.isTransaction) throw new Error('lockAccount needs a transaction');
    // SQLite runs one write transaction at a time already; PostgreSQL takes a transaction-scoped
    // advisory lock keyed by the account, released at commit or rollback.
    if (this.dialect === 'postgres') {
      await sql`select pg_advisory_xact_lock(hashtext(${`parley:account:${accountId}`}))`.execute(this.db);
    }
  }

  async transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    // Already inside one: join it (SQLite has one connection, so a second would deadlock).
    if (this.db.isTransaction) return work(this);
    const callbacks: (() => void)[] = [];
    const result = await this.db
      .transaction()
      .execute((trx: KyselyTransaction<Database>) => work(new KyselyStore(trx, this.dialect, this.options, callbacks)));
    // Reached only once the commit has succeeded: a rollback (or a failed commit) threw above.
    runAfterCommit(callbacks, this.options.onAfterCommitError ?? warnOfAfterCommitError);
    return result;
  }

  /** See Transaction.afterCommit; only a transaction's store has one. */
  afterCommit(callback: () => void): void {
    if (this.commitCallbacks === undefined) throw new Error('afterCommit needs a transaction');
    this.commitCallbacks.push(callback);
  }

  externalVersion(): number | undefined {
    return this.options.externalVersion?.();
  }

  async catchUp(): Promise<void> {
    await this.options.catchUp?.();
  }

  async ping(): Promise<void> {
    await this.db.selectFrom('accounts').select('id').limit(1).execute();
  }

  condition(): StoreCondition {
    return this.options.condition?.() ?? 'ok';
  }

  close(): Promise<void> {
    return this.options.close === undefined ? this.db.destroy() : this.options.close();
  }
}

function accountRepository(db: Kysely<Database>): AccountRepository {
  const toAccount = (row: Database['accounts']): Account => ({
    id: row.id,
    name: row.name,
    appKeys: parseJson<string[]>(row.app_keys, []),
    settings: readSettings(row.settings),
    surveys: parseJson(row.surveys, {}),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  });
  return {
    async get(id) {
      const row = await db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toAccount(row);
    },
    async list() {
      const rows = await db.selectFrom('accounts').selectAll().orderBy('id').execute();
      return rows.map(toAccount);
    },
    async save(account) {
      const row = {
        id: account.id,
        name: account.name,
        app_keys: JSON.stringify(account.appKeys),
        settings: JSON.stringify(account.settings),
        surveys: JSON.stringify(account.surveys),
        created_at: account.createdAt,
        updated_at: account.updatedAt,
      };
      await db
        .insertInto('accounts')
        .values(row)
        .onConflict((oc) =>
          oc.column('id').doUpdateSet({
            name: row.name,
            app_keys: row.app_keys,
            settings: row.settings,
            surveys: row.surveys,
            updated_at: row.updated_at,
          }),
        )
        .execute();
    },
  };
}

function skillRepository(db: Kysely<Database>): SkillRepository {
  const toSkill = (row: Database['skills']): Skill => ({
    accountId: row.account_id,
    id: Number(row.id),
    name: row.name,
    deleted: row.deleted === 1,
  });
  return {
    async list(accountId) {
      const rows = await db
        .selectFrom('skills')
        .selectAll()
        .where('account_id', '=', accountId)
        .orderBy('id')
        .execute();
      return rows.map(toSkill);
    },
    async get(accountId, id) {
      const row = await db
        .selectFrom('skills')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row && toSkill(row);
    },
    async findByName(accountId, name) {
      const rows = await db
        .selectFrom('skills')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('name_lower', '=', name.toLowerCase())
        .where('deleted', '=', 0)
        .orderBy('id')
        .execute();
      const exact = rows.find((row) => row.name === name);
      const row = exact ?? rows[0];
      return row && toSkill(row);
    },
    async save(skill) {
      const row = {
        account_id: skill.accountId,
        id: skill.id,
        name: skill.name,
        name_lower: skill.name.toLowerCase(),
        deleted: bool(skill.deleted),
      };
      await db
        .insertInto('skills')
        .values(row)
        .onConflict((oc) =>
          oc.columns(['account_id', 'id']).doUpdateSet({
            name: row.name,
            name_lower: row.name_lower,
            deleted: row.deleted,
          }),
        )
        .execute();
    },
    async nextId(accountId) {
      const row = await db
        .selectFrom('skills')
        .select((eb) => eb.fn.max('id').as('max'))
        .where('account_id', '=', accountId)
        .executeTakeFirst();
      return Number(row?.max ?? 0) + 1;
    },
  };
}

function userRepository(db: Kysely<Database>): UserRepository {
  const toUser = (row: Database['users'], skillIds: number[]): User => ({
    accountId: row.account_id,
    id: Number(row.id),
    pid: row.pid,
    loginName: row.login_name,
    passwordHash: row.password_hash,
    nickname: row.nickname,
    fullName: row.full_name,
    email: row.email,
    skillIds,
    maxChats: Number(row.max_chats),
    role: row.role as Role,
    enabled: row.enabled === 1,
    deleted: row.deleted === 1,
    isApiUser: row.is_api_user === 1,
    allowedAppKeys: parseJson<string[]>(row.allowed_app_keys, []),
    changePwdNextLogin: row.change_pwd_next_login === 1,
    ...(row.sharing === null ? {} : { sharing: parseJson<SharingPermissions>(row.sharing, {}) }),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  });

  const withSkills = async (rows: Database['users'][]): Promise<User[]> => {
    if (rows.length === 0) return [];
    const accountId = rows[0]!.account_id;
    const links = await db
      .selectFrom('user_skills')
      .select(['user_id', 'skill_id'])
      .where('account_id', '=', accountId)
      .where(
        'user_id',
        'in',
        rows.map((row) => row.id),
      )
      .orderBy('skill_id')
      .execute();
    const byUser = new Map<number, number[]>();
    for (const link of links) {
      const userId = Number(link.user_id);
      byUser.set(userId, [...(byUser.get(userId) ?? []), Number(link.skill_id)]);
    }
    return rows.map((row) => toUser(row, byUser.get(Number(row.id)) ?? []));
  };

  return {
    async list(accountId) {
      const rows = await db.selectFrom('users').selectAll().where('account_id', '=', accountId).orderBy('id').execute();
      return withSkills(rows);
    },
    async get(accountId, id) {
      const row = await db
        .selectFrom('users')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row && (await withSkills([row]))[0];
    },
    async findByLoginName(accountId, loginName) {
      const row = await db
        .selectFrom('users')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('login_name_lower', '=', loginName.toLowerCase())
        .where('deleted', '=', 0)
        .executeTakeFirst();
      return row && (await withSkills([row]))[0];
    },
    async save(user) {
      const row = {
        account_id: user.accountId,
        id: user.id,
        pid: user.pid,
        login_name: user.loginName,
        login_name_lower: user.loginName.toLowerCase(),
        password_hash: user.passwordHash,
        nickname: user.nickname,
        full_name: user.fullName,
        email: user.email,
        max_chats: user.maxChats,
        role: user.role,
        enabled: bool(user.enabled),
        deleted: bool(user.deleted),
        is_api_user: bool(user.isApiUser),
        allowed_app_keys: JSON.stringify(user.allowedAppKeys),
        change_pwd_next_login: bool(user.changePwdNextLogin),
        sharing: user.sharing === undefined ? null : JSON.stringify(user.sharing),
        created_at: user.createdAt,
        updated_at: user.updatedAt,
      };
      const { account_id: _account, id: _id, pid: _pid, created_at: _created, ...changes } = row;
      // Three statements, one change: a rejected skill link must not leave a half-saved user.
      await atomically(db, async (q) => {
        await q
          .insertInto('users')
          .values(row)
          .onConflict((oc) => oc.columns(['account_id', 'id']).doUpdateSet(changes))
          .execute();
        await q
          .deleteFrom('user_skills')
          .where('account_id', '=', user.accountId)
          .where('user_id', '=', user.id)
          .execute();
        if (user.skillIds.length > 0) {
          await q
            .insertInto('user_skills')
            .values(
              user.skillIds.map((skillId) => ({ account_id: user.accountId, user_id: user.id, skill_id: skillId })),
            )
            .execute();
        }
      });
    },
    async nextId(accountId) {
      const row = await db
        .selectFrom('users')
        .select((eb) => eb.fn.max('id').as('max'))
        .where('account_id', '=', accountId)
        .executeTakeFirst();
      return Number(row?.max ?? 0) + 1;
    },
  };
}

function apiKeyRepository(db: Kysely<Database>): ApiKeyRepository {
  const toKey = (row: Database['api_keys']): ApiKey => ({
    accountId: row.account_id,
    appKey: row.app_key,
    secretHash: row.secret_hash,
    accessToken: row.access_token,
    accessTokenSecretHash: row.access_token_secret_hash,
    sealedSecrets: row.sealed_secrets,
    name: row.name,
    permissions: parseJson<string[]>(row.permissions, []),
    enabled: row.enabled === 1,
    createdAt: Number(row.created_at),
  });
  return {
    async get(accountId, appKey) {
      const row = await db
        .selectFrom('api_keys')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('app_key', '=', appKey)
        .executeTakeFirst();
      return row && toKey(row);
    },
    async findByAppKey(appKey) {
      const rows = await db.selectFrom('api_keys').selectAll().where('app_key', '=', appKey).execute();
      return rows.map(toKey);
    },
    async list(accountId) {
      const rows = await db
        .selectFrom('api_keys')
        .selectAll()
        .where('account_id', '=', accountId)
        .orderBy('app_key')
        .execute();
      return rows.map(toKey);
    },
    async save(key) {
      const row = {
        account_id: key.accountId,
        app_key: key.appKey,
        secret_hash: key.secretHash,
        access_token: key.accessToken,
        access_token_secret_hash: key.accessTokenSecretHash,
        sealed_secrets: key.sealedSecrets,
        name: key.name,
        permissions: JSON.stringify(key.permissions),
        enabled: bool(key.enabled),
        created_at: key.createdAt,
      };
      const { account_id: _account, app_key: _key, created_at: _created, ...changes } = row;
      await db
        .insertInto('api_keys')
        .values(row)
        .onConflict((oc) => oc.columns(['account_id', 'app_key']).doUpdateSet(changes))
        .execute();
    },
  };
}

function loginSessionRepository(db: Kysely<Database>): LoginSessionRepository {
  const toSession = (row: Database['login_sessions']): LoginSession => ({
    id: row.id,
    accountId: row.account_id,
    userId: Number(row.user_id),
    bearerHash: row.bearer_hash,
    cookieHash: row.cookie_hash,
    csrfHash: row.csrf_hash,
    authMethod: row.auth_method as AuthMethod,
    createdAt: Number(row.created_at),
    lastRefreshAt: Number(row.last_refresh_at),
    expiresAt: Number(row.expires_at),
  });
  return {
    async create(session) {
      await db
        .insertInto('login_sessions')
        .values({
          id: session.id,
          account_id: session.accountId,
          user_id: session.userId,
          bearer_hash: session.bearerHash,
          cookie_hash: session.cookieHash,
          csrf_hash: session.csrfHash,
          auth_method: session.authMethod,
          created_at: session.createdAt,
          last_refresh_at: session.lastRefreshAt,
          expires_at: session.expiresAt,
        })
        .execute();
    },
    async findByBearerHash(bearerHash) {
      const row = await db
        .selectFrom('login_sessions')
        .selectAll()
        .where('bearer_hash', '=', bearerHash)
        .executeTakeFirst();
      return row && toSession(row);
    },
    async findByCookieHash(cookieHash) {
      const row = await db
        .selectFrom('login_sessions')
        .selectAll()
        .where('cookie_hash', '=', cookieHash)
        .executeTakeFirst();
      return row && toSession(row);
    },
    async listForUser(accountId, userId) {
      const rows = await db
        .selectFrom('login_sessions')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('user_id', '=', userId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(toSession);
    },
    async refresh(id, lastRefreshAt, expiresAt) {
      await db
        .updateTable('login_sessions')
        .set({ last_refresh_at: lastRefreshAt, expires_at: expiresAt })
        .where('id', '=', id)
        .execute();
    },
    async delete(id) {
      const result = await db.deleteFrom('login_sessions').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    async deleteExpired(now) {
      const rows = await db.deleteFrom('login_sessions').where('expires_at', '<=', now).returningAll().execute();
      return rows.map(toSession);
    },
  };
}
