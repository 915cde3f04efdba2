import assert from 'node:assert/strict';
import { send, type HttpResponse } from './http-client.js';

/** A link as both legacy APIs render it (chat-agent-api §1.5). */
export interface Link {
  '@href': string;
  '@rel': string;
}

/** One event of a chat's event list, as either API renders it (chat-agent-api §3.14, server-chat §3.10). */
export interface WireEvent {
  '@id': string;
  '@type': string;
  time: string;
  state?: string;
  text?: string;
  textType?: string;
  by?: string;
  source?: string;
  subType?: string;
  systemMessageId?: number | string;
  /** Shared chats (docs/SHARED-CHATS.md): participants' lines and participant events. */
  participantRole?: string;
  agentId?: string;
  suggestedReply?: string;
  action?: string;
  role?: string;
  agentName?: string;
  invitationId?: string;
  /** Structured content: the template of a rich-content line (chat-agent-api §3.15). */
  json?: unknown;
}

interface Envelope {
  error: { internalCode: number; message: string };
}

/** One element is a bare object, several an array, none absent (chat-agent-api §1.6). */
export const listOf = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** `https://host/path?q` → `/path?q`: clients follow hrefs; tests send them to the test port. */
export const pathOf = (href: string): string => {
  const url = new URL(href);
  return `${url.pathname}${url.search}`;
};

/** The system line ids and state changes of an event list, in order: `state:waiting`, `system:4`, `agent:a1`. */
export const summary = (events: WireEvent[]): string[] =>
  events.map((event) =>
    event['@type'] === 'state'
      ? `state:${event.state ?? ''}`
      : event.source === 'system'
        ? `system:${String(event.systemMessageId)}`
        : `${event.source ?? ''}:${event.text ?? ''}`,
  );

/** Asserts a legacy error envelope with its status and internalCode (chat-agent-api §1.8). */
export function assertError(response: HttpResponse, status: number, internalCode: number): void {
  assert.equal(response.status, status, response.text);
  assert.equal((response.json() as Envelope).error.internalCode, internalCode, response.text);
}

/** Asserts a legacy JSON error envelope: its status, the JSON content type and its internalCode. */
export function assertJsonError(response: HttpResponse, status: number, internalCode: number): void {
  assert.equal(response.status, status, response.text);
  assert.equal(response.header('content-type'), 'application/json');
  assert.equal((response.json() as Envelope).error.internalCode, internalCode);
}

/** The parsed body of a successful response; anything else fails with its status and body. */
export function ok<T>(response: HttpResponse, status?: number): T {
  if (status === undefined)
    assert.ok(response.status >= 200 && response.status < 300, `${response.status} ${response.text}`);
  else assert.equal(response.status, status, response.text);
  return response.json() as T;
}

/** The visitor side (Server Chat API) of one account, its app key in the query (server-chat §1.4). */
export function visitorClient(baseUrl: string, accountId: string, appKey: string) {
  const url = (path: string) =>
    `/api/account/${accountId}${path}${path.includes('?') ? '&' : '?'}v=1&NC=true&appKey=${appKey}`;
  return {
    get: (path: string) => send(baseUrl, 'GET', url(path)),
    post: (path: string, body: unknown, headers: Record<string, string> = {}) =>
      send(baseUrl, 'POST', url(path), { body, headers }),

    /** Start Chat: 201 and the chat id from the Location header (server-chat §3.8). */
    async start(request: Record<string, unknown>): Promise<string> {
      const response = await send(baseUrl, 'POST', url('/chat/request.json'), { body: { request } });
      assert.equal(response.status, 201, response.text);
      const location = response.header('location');
      assert.ok(location !== undefined, 'Start Chat answered without a Location');
      return location.slice(location.lastIndexOf('/') + 1);
    },

    /** A visitor line (server-chat §3.11). */
    async say(chatId: string, text: string): Promise<void> {
      const response = await send(baseUrl, 'POST', url(`/chat/${chatId}/events.json`), {
        body: { event: { '@type': 'line', text } },
      });
      assert.equal(response.status, 201, response.text);
    },

    /** The chat's events from `from` as the visitor sees them (a visitor request: keeps the chat alive). */
    async events(chatId: string, from = 0): Promise<WireEvent[]> {
      const body = ok<{ events: { event?: WireEvent | WireEvent[] } }>(
        await send(baseUrl, 'GET', url(`/chat/${chatId}/events.json?from=${from}`)),
        // A read of the events answers 200 (server-chat §3.10).
        200,
      );
      return listOf(body.events.event);
    },

    /** The chat's state from its information resource (server-chat §3.12). */
    async state(chatId: string): Promise<string> {
      return ok<{ info: { state: string } }>(await send(baseUrl, 'GET', url(`/chat/${chatId}/info.json`))).info.state;
    },
  };
}

export type VisitorClient = ReturnType<typeof visitorClient>;

/** What a password login hands back (platform §4): the bearer for agentVep, and cookie + csrf for logout. */
export interface AgentLogin {
  bearer: string;
  csrf: string;
  cookie: string;
}

/** The agent side (Login Service + Chat Agent API) of one account, as the sample bot calls it. */
export function agentClient(baseUrl: string, accountId: string) {
  const agentHeaders = (bearer: string, extra: Record<string, string> = {}) => ({
    accept: 'application/json',
    AUTHORIZATION: `Bearer ${bearer}`,
    ...extra,
  });

  /** One agent session: every call carries the bearer, `.json` and `v=1&NC=true` (chat-agent-api §5). */
  function session(id: string, bearer: string) {
    const path = `/api/account/${accountId}/agentSession/${id}`;
    const at = (sub: string) => {
      const [resource = '', query] = sub.split('?');
      return `${path}${resource}.json?${query === undefined ? '' : `${query}&`}v=1&NC=true`;
    };
    const request = (method: string, sub: string, body?: unknown, headers: Record<string, string> = {}) =>
      send(baseUrl, method, at(sub), {
        headers: agentHeaders(bearer, headers),
        ...(body === undefined ? {} : { body }),
      });
    return {
      id,
      path,
      bearer,
      request,
      /** PUT through POST + override, as SA sends it (chat-agent-api §1.4). */
      put: (sub: string, body: unknown) =>
        request('POST', sub, body, { 'X-Requested-With': 'XMLHttpRequest', 'X-HTTP-Method-Override': 'PUT' }),

      async availability(): Promise<string> {
        return ok<{ availability: { chat: string } }>(await request('GET', '/availability')).availability.chat;
      },
      async setAvailability(chat: 'Online' | 'Away' | 'Occupied'): Promise<void> {
        ok(await request('POST', '/availability', { availability: { chat } }, { 'X-HTTP-Method-Override': 'PUT' }));
      },
      /** `ringingCount` as sent: a string (chat-agent-api §3.8). */
      async ringingCount(): Promise<string> {
        return ok<{ incomingRequests: { ringingCount: string } }>(await request('GET', '/incomingRequests'))
          .incomingRequests.ringingCount;
      },
      /**
       * Accepts the oldest ringing chat (chat-agent-api §3.9) and returns its id. A 503 (the database
       * busy past its deadline on a loaded machine) is retried as the retry policy says: it changed
       * nothing.
       */
      async accept(): Promise<string> {
        let response = await request('POST', '/incomingRequests', { chat: 'start' });
        for (let retries = 0; response.status === 503 && retries < 5; retries += 1) {
          await new Promise((resolve) => setTimeout(resolve, 1_000 * Number(response.header('retry-after') ?? 1)));
          response = await request('POST', '/incomingRequests', { chat: 'start' });
        }
        assert.equal(response.status, 201, response.text);
        const href = (response.json() as { chatLocation: { link: Link } }).chatLocation.link['@href'];
        assert.ok(href.startsWith(`${baseUrl}${path}/chat/`), href);
        return href.slice(href.lastIndexOf('/') + 1);
      },
      /** Every event of the chat from `from`, agent-only lines included (chat-agent-api §3.14). */
      async events(chatId: string, from = 0): Promise<WireEvent[]> {
        const body = ok<{ events: { event?: WireEvent | WireEvent[] } }>(
          await request('GET', `/chat/${chatId}/events?from=${from}`),
        );
        return listOf(body.events.event);
      },
      async say(chatId: string, text: string, textType: 'plain' | 'html' = 'plain'): Promise<void> {
        const response = await request('POST', `/chat/${chatId}/events`, {
          event: { '@type': 'line', text, textType },
        });
        assert.equal(response.status, 201, response.text);
      },
      async end(chatId: string): Promise<void> {
        const response = await request('POST', `/chat/${chatId}/events`, {
          event: { '@type': 'state', state: 'ended' },
        });
        assert.equal(response.status, 201, response.text);
      },
    };
  }

  /** Password login (platform §4.1): bearer, csrf and the session cookie. */
  async function login(username: string, password: string): Promise<AgentLogin> {
    const response = await send(baseUrl, 'POST', `/api/account/${accountId}/login?v=1.3`, {
      headers: { accept: 'application/json' },
      body: { username, password },
    });
    const body = ok<{ bearer: string; csrf: string }>(response);
    const cookie = /^session_id=[^;]+/.exec(response.header('set-cookie') ?? '')?.[0];
    assert.ok(cookie !== undefined, 'login set no session_id cookie');
    return { bearer: body.bearer, csrf: body.csrf, cookie };
  }

  /** POST agentSession (chat-agent-api §3.1): 201 and the new session. */
  async function startSession(bearer: string) {
    const response = await send(baseUrl, 'POST', `/api/account/${accountId}/agentSession.json?v=1&NC=true`, {
      headers: agentHeaders(bearer),
      body: { loginData: {} },
    });
    assert.equal(response.status, 201, response.text);
    const href = (response.json() as { agentSessionLocation: { link: Link } }).agentSessionLocation.link['@href'];
    const id = /\/agentSession\/(\d+)$/.exec(href)?.[1];
    assert.ok(id !== undefined, href);
    return session(id, bearer);
  }

  return {
    session,
    login,
    startSession,

    /** Logout with the cookie jar and csrf (platform §4, L5). */
    logout: (started: AgentLogin) =>
      send(baseUrl, 'POST', `/api/account/${accountId}/logout?v=1.3`, {
        headers: { cookie: started.cookie },
        body: { csrf: started.csrf },
      }),

    /** Login and an agent session in one go. */
    async signIn(username: string, password: string) {
      const started = await login(username, password);
      return { login: started, session: await startSession(started.bearer) };
    },
  };
}

export type AgentClient = ReturnType<typeof agentClient>;
export type AgentSessionClient = ReturnType<AgentClient['session']>;
