/**
 * Table types for Kysely. Both dialects share them: booleans are stored as 0/1 integers and times
 * as epoch milliseconds, because SQLite has neither a boolean nor a timestamp type.
 */
export interface Database {
  accounts: AccountsTable;
  skills: SkillsTable;
  users: UsersTable;
  user_skills: UserSkillsTable;
  api_keys: ApiKeysTable;
  login_sessions: LoginSessionsTable;
}

export interface AccountsTable {
  id: string;
  name: string;
  /** JSON array of strings. */
  app_keys: string;
  /** JSON object; merged over the defaults when read. */
  settings: string;
  /** JSON object of survey definitions. */
  surveys: string;
  created_at: number;
  updated_at: number;
}

export interface SkillsTable {
  account_id: string;
  id: number;
  name: string;
  name_lower: string;
  deleted: number;
}

export interface UsersTable {
  account_id: string;
  id: number;
  pid: string;
  login_name: string;
  login_name_lower: string;
  password_hash: string | null;
  nickname: string;
  full_name: string;
  email: string;
  max_chats: number;
  role: string;
  enabled: number;
  deleted: number;
  is_api_user: number;
  /** JSON array of strings. */
  allowed_app_keys: string;
  change_pwd_next_login: number;
  created_at: number;
  updated_at: number;
}

export interface UserSkillsTable {
  account_id: string;
  user_id: number;
  skill_id: number;
}

export interface ApiKeysTable {
  account_id: string;
  app_key: string;
  secret_hash: string;
  access_token: string;
  access_token_secret_hash: string;
  sealed_secrets: string;
  name: string;
  /** JSON array of strings. */
  permissions: string;
  enabled: number;
  created_at: number;
}

export interface LoginSessionsTable {
  id: string;
  account_id: string;
  user_id: number;
  bearer_hash: string;
  cookie_hash: string;
  csrf_hash: string;
  auth_method: string;
  created_at: number;
  last_refresh_at: number;
  expires_at: number;
}
