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
  chats: ChatsTable;
  chat_events: ChatEventsTable;
  agent_sessions: AgentSessionsTable;
  offline_messages: OfflineMessagesTable;
  visitor_identities: VisitorIdentitiesTable;
  oauth_nonces: OAuthNoncesTable;
  idempotency_keys: IdempotencyKeysTable;
  known_login_sources: KnownLoginSourcesTable;
  nodes: NodesTable;
  agent_connections: AgentConnectionsTable;
  leases: LeasesTable;
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
  /** JSON, SharingPermissions; null: the role's defaults. */
  sharing: string | null;
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

export interface ChatsTable {
  account_id: string;
  id: string;
  visitor_id: number;
  rt_session_id: number;
  state: string;
  skill_id: number | null;
  skill_name: string | null;
  requested_agent: string | null;
  agent_user_id: number | null;
  agent_name: string | null;
  visitor_name: string | null;
  visitor_typing: number;
  agent_typing: number;
  /** When each side last said it was typing: the flag expires unless renewed. */
  visitor_typing_at: number | null;
  agent_typing_at: number | null;
  interaction_timeout_seconds: number;
  max_wait_time_seconds: number | null;
  /** JSON objects and arrays. */
  echo: string;
  visitor: string;
  pre_chat_lines: string;
  pre_chat_survey: string | null;
  exit_survey: string | null;
  custom_variables: string;
  start_time: number;
  last_update: number;
  queued_at: number | null;
  accepted_at: number | null;
  ended_at: number | null;
  idle_due_at: number | null;
  wait_due_at: number | null;
  retain_until: number | null;
  next_event_id: number;
  ringing_user_id: number | null;
  ring_due_at: number | null;
  target_user_id: number | null;
  agent_session_id: string | null;
  /** JSON, SurveyAnswers. */
  agent_survey: string | null;
  /** JSON arrays: Participant[], Invitation[]. */
  participants: string;
  invitations: string;
  last_line_at: number | null;
}

export interface ChatEventsTable {
  account_id: string;
  chat_id: string;
  id: number;
  type: string;
  time: number;
  state: string | null;
  text_type: string | null;
  text: string | null;
  /** JSON, rich-content lines only. */
  json: string | null;
  by_name: string | null;
  source: string | null;
  system_message_id: number | null;
  sub_type: string | null;
  /** JSON: a participant event's change, a participant line's author, a suggested reply. */
  details: string | null;
}

export interface AgentSessionsTable {
  account_id: string;
  id: string;
  user_id: number;
  login_session_id: string | null;
  availability: string;
  created_at: number;
  last_request_at: number;
  ended_at: number | null;
  idle_due_at: number | null;
  availability_since: number | null;
  /** JSON, SkillScope; null when off. */
  auto_listen: string | null;
  /** The availability reason given with the availability; null when none. */
  chat_reason_id: string | null;
  /** 1 when the session lives by its connections (`presence=connection`). */
  is_connection_bound: number;
  /** Since when a connection-bound session has had no connection; null while it has one. */
  detached_at: number | null;
  /** When the sweep must next look at a detached session (grace, then end limit). */
  presence_due_at: number | null;
  /** JSON {availability, chatReasonId}: what it was before it was put Away for want of a connection. */
  auto_away: string | null;
}

export interface OfflineMessagesTable {
  account_id: string;
  id: string;
  skill: string | null;
  /** JSON objects. */
  survey: string;
  visitor: string;
  context: string;
  created_at: number;
}

export interface VisitorIdentitiesTable {
  account_id: string;
  participant_id: string;
  /** JSON object: the verified claims of the visitor's identity token. */
  claims: string;
  created_at: number;
}

export interface OAuthNoncesTable {
  /** `accountId:appKey` of the key that signed. */
  scope: string;
  /** SHA-256 hex of the client's oauth_nonce. */
  nonce_digest: string;
  expires_at: number;
}

export interface IdempotencyKeysTable {
  account_id: string;
  scope: string;
  key: string;
  /** SHA-256 hex of the operation and its input. */
  fingerprint: string;
  /** The first answer, serialised by the use case. */
  result: string;
  created_at: number;
  expires_at: number;
}

export interface KnownLoginSourcesTable {
  account_id: string;
  user_id: number;
  /** SHA-256 hex of the client's address group (an IPv4 address, an IPv6 /64). */
  source_digest: string;
  last_success_at: number;
}

export interface NodesTable {
  id: string;
  host: string;
  address: string;
  pid: number;
  started_at: number;
  heartbeat_at: number;
  uses_redis: number;
  draining: number;
}

export interface AgentConnectionsTable {
  node_id: string;
  account_id: string;
  session_id: string;
}

export interface LeasesTable {
  name: string;
  holder: string;
  expires_at: number;
}
