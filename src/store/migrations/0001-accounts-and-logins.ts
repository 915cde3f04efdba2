import type { Kysely } from 'kysely';

/** Accounts, skills, users, API keys and login sessions (the foundation's durable state). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('accounts')
    .addColumn('id', 'varchar(20)', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('app_keys', 'text', (c) => c.notNull())
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('surveys', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('skills')
    .addColumn('account_id', 'varchar(20)', (c) => c.notNull().references('accounts.id'))
    .addColumn('id', 'bigint', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_lower', 'text', (c) => c.notNull())
    .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('skills_pk', ['account_id', 'id'])
    .execute();
  await db.schema.createIndex('skills_name_idx').on('skills').columns(['account_id', 'name_lower']).execute();

  await db.schema
    .createTable('users')
    .addColumn('account_id', 'varchar(20)', (c) => c.notNull().references('accounts.id'))
    .addColumn('id', 'bigint', (c) => c.notNull())
    .addColumn('pid', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('login_name', 'text', (c) => c.notNull())
    .addColumn('login_name_lower', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text')
    .addColumn('nickname', 'text', (c) => c.notNull())
    .addColumn('full_name', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('max_chats', 'integer', (c) => c.notNull())
    .addColumn('role', 'varchar(16)', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('deleted', 'integer', (c) => c.notNull())
    .addColumn('is_api_user', 'integer', (c) => c.notNull())
    .addColumn('allowed_app_keys', 'text', (c) => c.notNull())
    .addColumn('change_pwd_next_login', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('users_pk', ['account_id', 'id'])
    .execute();
  await db.schema.createIndex('users_login_name_idx').on('users').columns(['account_id', 'login_name_lower']).execute();

  await db.schema
    .createTable('user_skills')
    .addColumn('account_id', 'varchar(20)', (c) => c.notNull())
    .addColumn('user_id', 'bigint', (c) => c.notNull())
    .addColumn('skill_id', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('user_skills_pk', ['account_id', 'user_id', 'skill_id'])
    .addForeignKeyConstraint('user_skills_user_fk', ['account_id', 'user_id'], 'users', ['account_id', 'id'])
    .addForeignKeyConstraint('user_skills_skill_fk', ['account_id', 'skill_id'], 'skills', ['account_id', 'id'])
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('account_id', 'varchar(20)', (c) => c.notNull().references('accounts.id'))
    .addColumn('app_key', 'varchar(128)', (c) => c.notNull())
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('access_token', 'varchar(128)', (c) => c.notNull())
    .addColumn('access_token_secret_hash', 'text', (c) => c.notNull())
    .addColumn('sealed_secrets', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('permissions', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('api_keys_pk', ['account_id', 'app_key'])
    .execute();

  await db.schema
    .createTable('login_sessions')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('account_id', 'varchar(20)', (c) => c.notNull())
    .addColumn('user_id', 'bigint', (c) => c.notNull())
    .addColumn('bearer_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('cookie_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('csrf_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('auth_method', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_refresh_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addForeignKeyConstraint('login_sessions_user_fk', ['account_id', 'user_id'], 'users', ['account_id', 'id'])
    .execute();
  await db.schema
    .createIndex('login_sessions_user_idx')
    .on('login_sessions')
    .columns(['account_id', 'user_id'])
    .execute();
  await db.schema.createIndex('login_sessions_expiry_idx').on('login_sessions').column('expires_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['login_sessions', 'api_keys', 'user_skills', 'users', 'skills', 'accounts']) {
    await db.schema.dropTable(table).execute();
  }
}
