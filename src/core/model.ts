/** Plain data the core works with. Ids of accounts are opaque strings; users and skills have numeric ids. */

export const Role = { AGENT: 'agent', MANAGER: 'manager', ADMIN: 'admin' } as const;
export type Role = (typeof Role)[keyof typeof Role];

/** LivePerson profile role type ids (platform spec §7.2: admin 1, agent 2, manager 3). */
export const roleTypeId: Record<Role, number> = { admin: 1, agent: 2, manager: 3 };

/** Account options; every field has a documented default (README, "Account settings"). */
export interface AccountSettings {
  /** Seconds a ringing chat waits for the agent to accept (chat-agent-api §3.9). */
  ringTimeoutSeconds: number;
  /** Seconds without a Chat Agent API request before an agent session ends (platform §6.4). */
  agentSessionIdleSeconds: number;
  /**
   * Seconds a connection-bound agent session (`presence=connection`) may be without a connection
   * before it goes Away: a reload, or the moment between two long-polls, fits in it.
   */
  agentConnectionGraceSeconds: number;
  /** Seconds a connection-bound agent session may be without a connection before it ends. */
  agentConnectionEndSeconds: number;
  /** Login session lifetime, sliding on refresh (platform §4.7); echoed as `sessionTTl`. */
  loginSessionTtlMs: number;
  /** Optional idle cap on login sessions since login or last refresh; null = off (platform §4.7). */
  refreshGraceMs: number | null;
  /** Concurrent login sessions per user; the oldest is ended beyond it (platform §4.7). */
  maxLoginSessionsPerUser: number;
  /** Echo the visitor's pre-chat lines as system lines with systemMessageId 0 (server-chat §4.2). */
  preChatLineEcho: boolean;
  /** Visitor IPs refused on Start Chat (server-chat §4.4). */
  blockedIps: string[];
  /** Also accept LivePerson's public Server Chat app key (server-chat §1.4). */
  acceptGlobalAppKey: boolean;
  /** Minutes an ended chat stays readable after its last request (server-chat §4.5). */
  endedChatRetentionMinutes: number;
  /** IANA time zone reported as `accountTimeZoneId`. */
  timeZone: string;
  /**
   * Visitor authentication (server-chat §3.7): the secret that signs the identity provider's
   * HS256 JWTs; `required` makes Start Chat refuse unauthenticated visitors. null = off.
   */
  visitorAuthentication: { jwtSecret: string; required: boolean } | null;
  /** System-message texts by systemMessageId (server-chat §4.2); `{agentName}` is replaced. */
  systemMessages: Record<string, string>;
}

export const defaultSystemMessages: Readonly<Record<string, string>> = {
  '2': 'All our agents are busy at the moment. Please try again later.',
  '3': 'You are now chatting with {agentName}.',
  // Two spaces, as LivePerson's real output (server-chat §4.2).
  '4': 'Thank you for choosing to chat with us.  An agent will be with you shortly.',
  '5': '{agentName} has ended the chat.',
  '6': 'The chat was disconnected.',
  '13': 'You are being transferred to another agent.',
  '15': 'You are being transferred to another department.',
  '23': 'Please wait while we find another agent for you.',
  // Parley's own: an assistant joins or leaves a chat (docs/SHARED-CHATS.md).
  '30': '{agentName} has joined the chat.',
  '31': '{agentName} has left the chat.',
};

export const defaultAccountSettings: Readonly<AccountSettings> = {
  ringTimeoutSeconds: 20,
  agentSessionIdleSeconds: 400,
  agentConnectionGraceSeconds: 10,
  agentConnectionEndSeconds: 120,
  loginSessionTtlMs: 28_800_000,
  refreshGraceMs: null,
  maxLoginSessionsPerUser: 50,
  preChatLineEcho: true,
  blockedIps: [],
  acceptGlobalAppKey: true,
  endedChatRetentionMinutes: 30,
  timeZone: 'UTC',
  visitorAuthentication: null,
  systemMessages: { ...defaultSystemMessages },
};

/** A survey as its GET method returns it (server-chat §5); stored verbatim, rendered per resource. */
export type SurveyDefinition = Record<string, unknown>;

export interface AccountSurveys {
  preChat?: SurveyDefinition;
  exit?: SurveyDefinition;
  offline?: SurveyDefinition;
  agent?: SurveyDefinition;
  /**
   * Surveys of single skills, by skill id (as a string, a JSON key): they take the place of the
   * account's for chats and visitors of that skill (server-chat §3.4, §3.5, §3.16).
   */
  skills?: Record<string, SkillSurveys>;
}

/** The surveys a skill may have of its own; the agent survey stays account-wide. */
export interface SkillSurveys {
  preChat?: SurveyDefinition;
  exit?: SurveyDefinition;
  offline?: SurveyDefinition;
}

export interface Account {
  id: string;
  name: string;
  /** Server Chat API application keys of this account (server-chat §1.4). */
  appKeys: string[];
  settings: AccountSettings;
  surveys: AccountSurveys;
  createdAt: number;
  updatedAt: number;
}

export interface Skill {
  accountId: string;
  id: number;
  name: string;
  deleted: boolean;
}

export interface User {
  accountId: string;
  id: number;
  /** Opaque unique id reported as `config.userPid` (platform §4.4). */
  pid: string;
  loginName: string;
  /** scrypt hash; null for users that log in only with an API key. */
  passwordHash: string | null;
  nickname: string;
  fullName: string;
  email: string;
  skillIds: number[];
  /** Concurrent chats; -1 unlimited, 0 receives none (platform §7.2). */
  maxChats: number;
  role: Role;
  enabled: boolean;
  deleted: boolean;
  /** Logs in with an API key (platform §4.2); allowedAppKeys lists which. */
  isApiUser: boolean;
  allowedAppKeys: string[];
  changePwdNextLogin: boolean;
  /**
   * Who may listen to and assist in chats (docs/SHARED-CHATS.md, "Who may"); a permission left out
   * takes the role's default.
   */
  sharing?: SharingPermissions;
  createdAt: number;
  updatedAt: number;
}

/** Skills whose chats a user may listen to or assist in: every skill, or these ids. */
export interface SharingPermissions {
  listen?: 'all' | number[];
  assist?: 'all' | number[];
}

export const Permission = {
  USER_LOGIN: 'agent-interactions:user-login',
} as const;

/** An OAuth 1.0 API key (platform §5.3.1). Secrets are never kept in plain text. */
export interface ApiKey {
  accountId: string;
  appKey: string;
  /** scrypt hashes, checked by Application Login. */
  secretHash: string;
  accessToken: string;
  accessTokenSecretHash: string;
  /**
   * Both secrets sealed with the deployment key: OAuth 1.0 signatures are HMACs keyed by the
   * secrets themselves, so verifying one needs them back (docs/LEGACY-QUIRKS.md).
   */
  sealedSecrets: string;
  name: string;
  permissions: string[];
  enabled: boolean;
  createdAt: number;
}

export const AuthMethod = { PASSWORD: 'password', API_KEY: 'api-key' } as const;
export type AuthMethod = (typeof AuthMethod)[keyof typeof AuthMethod];

/** A Login Service session (platform §4.7). Tokens are stored only as SHA-256 digests. */
export interface LoginSession {
  id: string;
  accountId: string;
  userId: number;
  bearerHash: string;
  cookieHash: string;
  csrfHash: string;
  authMethod: AuthMethod;
  createdAt: number;
  lastRefreshAt: number;
  expiresAt: number;
}
