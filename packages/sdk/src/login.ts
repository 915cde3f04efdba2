import { ParleyError } from './errors.js';
import type { ServiceDirectory } from './domain.js';
import type { HttpClient } from './http.js';
import { asText, member } from './json.js';

/** A user login with a password (platform §4.1). */
export interface PasswordCredentials {
  username: string;
  password: string;
}

/** An application login with an API key's four values, for bots (platform §4.2). */
export interface AppKeyCredentials {
  username: string;
  appKey: string;
  secret: string;
  accessToken: string;
  accessTokenSecret: string;
}

/** Who logs in. */
export type AgentCredentials = PasswordCredentials | AppKeyCredentials;

/** What a login hands back and the SDK keeps in memory. */
export interface LoginState {
  /** For `Authorization: Bearer …` on the Chat Agent API. */
  bearer: string;
  /** Echoed in refresh and logout bodies (platform §4.8). */
  csrf: string;
  /** The `session_id` cookie value: Node's fetch has no cookie jar, so the SDK sends it itself. */
  sessionCookie: string | undefined;
  /** The user's id and login name, from `config`. */
  userId: string | undefined;
  loginName: string | undefined;
}

const isPassword = (credentials: AgentCredentials): credentials is PasswordCredentials => 'password' in credentials;

/** The session cookie from `Set-Cookie` (readable in Node.js; browsers keep it to themselves). */
function sessionCookieOf(headers: Headers, body: unknown): string | undefined {
  const all =
    typeof headers.getSetCookie === 'function' ? headers.getSetCookie().join(', ') : (headers.get('set-cookie') ?? '');
  // Any capitalisation: the login pages call it Session_id (platform §4.6).
  const fromHeader = /(?:^|[\s,;])session_id=([^;,\s]+)/i.exec(all)?.[1];
  // Our server also sends it in the body, as the docs' own Python sample reads it (platform §4.4).
  return fromHeader ?? asText(member(body, 'sessionId'));
}

/** User or application login (platform §4.1–4.2) on the `agentVep` host. */
export async function logIn(
  http: HttpClient,
  directory: ServiceDirectory,
  credentials: AgentCredentials,
): Promise<LoginState> {
  const body = isPassword(credentials)
    ? { username: credentials.username, password: credentials.password }
    : {
        username: credentials.username,
        appKey: credentials.appKey,
        secret: credentials.secret,
        accessToken: credentials.accessToken,
        accessTokenSecret: credentials.accessTokenSecret,
      };
  const reply = await http.send({
    method: 'POST',
    kind: 'login',
    url: () => directory.accountUrl('agentVep', '/login?v=1.3'),
    body,
    onNetworkError: () => directory.invalidate(),
  });
  const bearer = asText(member(reply.body, 'bearer'));
  const csrf = asText(member(reply.body, 'csrf'));
  if (bearer === undefined || csrf === undefined) {
    throw new ParleyError({
      status: reply.status,
      message: 'The login answer has no bearer or csrf',
      body: reply.body,
    });
  }
  const config = member(reply.body, 'config');
  return {
    bearer,
    csrf,
    sessionCookie: sessionCookieOf(reply.headers, reply.body),
    userId: asText(member(config, 'userId')),
    loginName: asText(member(config, 'loginName')),
  };
}

/** Refresh (platform §4.8) or logout (§4.9): the session cookie and the csrf in the body. */
export async function touchLogin(
  http: HttpClient,
  directory: ServiceDirectory,
  state: LoginState,
  action: 'refresh' | 'logout',
): Promise<void> {
  await http.send({
    method: 'POST',
    url: () => directory.accountUrl('agentVep', `/${action}?v=1.3`),
    headers: state.sessionCookie === undefined ? {} : { cookie: `session_id=${state.sessionCookie}` },
    body: { csrf: state.csrf },
    onNetworkError: () => directory.invalidate(),
  });
}
