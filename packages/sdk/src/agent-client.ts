import { AgentChat, type AgentSessionContext, type ChatRole } from './agent-chat.js';
import { ServiceDirectory } from './domain.js';
import { ParleyError } from './errors.js';
import type { ClientOptions } from './client-options.js';
import {
  anySignal,
  HttpClient,
  newIdempotencyKey,
  type Authorization,
  type HttpReply,
  type HttpStream,
  type SendOptions,
} from './http.js';
import { asNumber, asText, isRecord, lastSegment, linkHref, listOf, member, parseJson } from './json.js';
import { logIn, touchLogin, type AgentCredentials, type LoginState } from './login.js';
import { followLiveChats } from './live-chats.js';
import { abortReason, unrefTimer } from './retry.js';
import {
  parseInvitationNotice,
  parseInvitations,
  parseLiveChats,
  parseParticipationNotice,
  type InvitationNotice,
  type LiveChat,
  type LiveChatsUpdate,
  type ParticipantRole,
  type ParticipationNotice,
} from './shared-chats.js';
import { isEventStream, readServerSentEvents, type SseMessage } from './sse.js';

/** How a logged-in agent client behaves, whether it logged in or resumed a saved login. */
export interface AgentSessionOptions {
  /** Login refresh and agent-session keep-alive cadence (default 5 minutes, platform §6.2; 0: never). */
  refreshIntervalMs?: number;
  /** Polling cadence of `incomingRequests` when the server has no session stream (default 2 s). */
  ringPollIntervalMs?: number;
  /**
   * Once logged in, the streams, reads and agent-session restarts that spent their fast retries
   * keep trying at the retry policy's growing intervals (platform §6.1's slow recovery;
   * `onRecovery` tells about it) until they get an answer or `logout()`, so the feeds of a bot
   * outlive an outage; changes (lines, availability, …) still fail after the fast retries.
   * false: everything fails after the fast retries (default true).
   */
  slowRecovery?: boolean;
  /**
   * `connection` (a Parley extension): the agent session is bound to its open connections (session
   * stream, long-polls). With none open for a few seconds the server sets it Away, and ends it after
   * a longer time without one; a connection back within that time restores its availability. For
   * a person's browser tab, which may close without logging out. Sent as `?presence=connection`
   * when the SDK opens an agent session. Default (`timeout`): the legacy 400-second idle timeout.
   */
  presence?: 'timeout' | 'connection';
}

/** AgentClient.login's options: the server, the credentials, and the agent's timings. */
export type AgentLoginOptions = ClientOptions & AgentCredentials & AgentSessionOptions;

/**
 * What `AgentClient.resume()` needs to pick a login up again without the credentials, as
 * `savedState()` gives it: e.g. kept in a browser tab's sessionStorage across a reload. It holds
 * the bearer: keep it where the login itself may be kept, never in shared or lasting storage.
 */
export interface AgentSavedState {
  accountId: string;
  bearer: string;
  csrf: string;
  /** The login's `session_id` cookie value, when the SDK could read it (Node.js; Parley's body). */
  sessionCookie?: string | undefined;
  userId?: string | undefined;
  loginName?: string | undefined;
  /** The agent session to go on with: resuming opens no second one. */
  agentSessionId: string;
}

/** AgentClient.resume's options: the server, the saved state, and the agent's timings. */
export type AgentResumeOptions = ClientOptions & AgentSavedState & AgentSessionOptions;

/** An agent's chat availability (chat-agent-api §3.4). */
export type Availability = 'Online' | 'Away' | 'Occupied';

/**
 * A chat ringing at this agent, as a Parley server describes it on the session stream (a Parley
 * addition). It carries no chat id: accepting always takes the oldest (chat-agent-api §3.9).
 */
export interface RingingChat {
  /** The skill's name; null when the chat asked for none (any agent may take it). */
  skill: string | null;
  /** null until the visitor gives a name. */
  visitorName: string | null;
  /** Since when the chat waits (a transferred chat: since its transfer), epoch ms by the server's clock. */
  waitingSince: number;
  /**
   * How long it had waited when the server sent the ring, by the server's clock: count on from
   * here with this machine's clock, which may differ from the server's.
   */
  waitedMs: number;
}

/** A change on the agent session's stream (`GET …/agentSession/{s}/stream`). */
export type AgentNotification =
  | { type: 'availability'; availability: string }
  | {
      type: 'ring';
      ringingCount: number;
      /**
       * The ringing chats, oldest first (the first is the one accept takes). Empty from a server
       * that does not describe them (an older Parley) and when the SDK polls `incomingRequests`
       * because the server has no session stream: rely on `ringingCount` for how many ring.
       */
      ringing: RingingChat[];
    }
  | { type: 'chat'; chatId: string; state: string }
  /** An invitation to assist reached this user (`open`), or closed (shared chats, a Parley addition). */
  | ({ type: 'invitation' } & InvitationNotice)
  /** This session joined, left or took over a chat as a participant, or such a chat ended. */
  | ({ type: 'participation' } & ParticipationNotice);

/** Chats are ringing at this agent; `accept()` takes the oldest. */
export interface Ring {
  ringingCount: number;
  /**
   * The ringing chats, oldest first; empty when the server does not describe them or the SDK polls
   * `incomingRequests` (no session stream), so it may be shorter than `ringingCount`.
   */
  ringing: RingingChat[];
  /** The same as `AgentClient.acceptNext()`. */
  accept(): Promise<AgentChat | null>;
}

/** An invitation to assist in a chat, addressed to this agent (or to a skill it holds), with its answers. */
export interface Invitation extends Omit<InvitationNotice, 'state'> {
  /** Joins the chat as an assistant. */
  accept(): Promise<AgentChat>;
  /** Declines; the holder reads it as a `participant` event `declined`. */
  decline(): Promise<void>;
}

/** What `notifications` needs besides the stream: what to do on each connection, and without a stream. */
interface SessionFeedHooks {
  /** Called once a stream is open, before its messages are read: what to yield first. */
  onConnect?: (signal: AbortSignal) => Promise<AgentNotification[]>;
  /** One poll when the server has no session stream. */
  poll: (signal: AbortSignal) => Promise<AgentNotification[]>;
}

/** An agent of the account as the available-agents list shows it (chat-agent-api §3.5). */
export interface ListedAgent {
  id: number;
  loginName: string;
  nickname: string;
  /** `Online`, `Occupied`, `Away` or `Offline`. */
  chatState: string;
  /** −1: no limit. */
  maxChats: number;
  /** Chats the agent holds now. */
  chats: number;
}

/** The logged-in agent (chat-agent-api §3.7). */
export interface AgentProfile {
  id: number | undefined;
  /** The nickname visitors see. */
  agentName: string;
  displayName: string;
  loginName: string;
  maxChats: number | undefined;
  skills: { id: number; name: string }[];
}

const CHAT_STATES: Record<string, string> = { '1': 'Offline', '2': 'Online', '3': 'Occupied', '4': 'Away' };

/** Statuses that mean "this server has no session stream". */
const NO_STREAM = new Set([404, 405, 406, 501]);

/** The HTTP client and the service directory of one client. */
function connect(options: ClientOptions): { http: HttpClient; directory: ServiceDirectory } {
  const http = new HttpClient(options);
  const directory = new ServiceDirectory(http, {
    baseUrl: options.baseUrl,
    accountId: options.accountId,
    ...(options.scheme === undefined ? {} : { scheme: options.scheme }),
    ...(options.domainCacheMs === undefined ? {} : { cacheMs: options.domainCacheMs }),
  });
  return { http, directory };
}

function credentialsOf(options: AgentLoginOptions): AgentCredentials {
  if ('password' in options) return { username: options.username, password: options.password };
  const { username, appKey, secret, accessToken, accessTokenSecret } = options;
  return { username, appKey, secret, accessToken, accessTokenSecret };
}

/**
 * A ring's `ringing` list; entries without a readable `waitingSince` are left out, absent is [].
 * `sentAt` is the server's time the ring carries (this machine's clock when it carries none).
 */
function parseRingingChats(value: unknown, sentAt: number): RingingChat[] {
  return listOf(value).flatMap((entry) => {
    if (!isRecord(entry)) return [];
    const waitingSince = asNumber(entry.waitingSince);
    if (waitingSince === undefined) return [];
    const skill = asText(entry.skill) ?? null;
    const visitorName = asText(entry.visitorName) ?? null;
    return [{ skill, visitorName, waitingSince, waitedMs: Math.max(0, sentAt - waitingSince) }];
  });
}

function parseNotification(message: SseMessage): AgentNotification | undefined {
  const data = parseJson(message.data);
  if (message.event === 'availability') {
    const availability = asText(member(data, 'chat'));
    return availability === undefined ? undefined : { type: 'availability', availability };
  }
  if (message.event === 'ring') {
    const ringingCount = asNumber(member(data, 'ringingCount'));
    return ringingCount === undefined
      ? undefined
      : {
          type: 'ring',
          ringingCount,
          ringing: parseRingingChats(member(data, 'ringing'), asNumber(member(data, 'time')) ?? Date.now()),
        };
  }
  if (message.event === 'chat') {
    const chatId = asText(member(data, 'chatId'));
    const state = asText(member(data, 'state'));
    return chatId === undefined || state === undefined ? undefined : { type: 'chat', chatId, state };
  }
  if (message.event === 'invitation') {
    const invitation = parseInvitationNotice(data, Date.now());
    return invitation === undefined ? undefined : { type: 'invitation', ...invitation };
  }
  if (message.event === 'participation') {
    const participation = parseParticipationNotice(data);
    return participation === undefined ? undefined : { type: 'participation', ...participation };
  }
  return undefined;
}

/**
 * An agent or bot on the Chat Agent API (chat-agent-api §5): logged in through the Login Service,
 * with one agent session. The login is refreshed every 5 minutes; a 401 logs in again once (a new
 * agent session, the last availability restored); an agent session that timed out is reopened.
 */
export class AgentClient {
  private readonly closed = new AbortController();
  private readonly context: AgentSessionContext;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private renewing: Promise<void> | undefined;
  private restarting: Promise<void> | undefined;
  private wantedAvailability: Availability | undefined;
  private accepts = 0;
  private sessionId = '';
  /** Logged in with a first agent session: from then on requests recover slowly. */
  private isUp = false;

  private constructor(
    private readonly http: HttpClient,
    private readonly directory: ServiceDirectory,
    /** undefined for a resumed login: a refused bearer then cannot be renewed. */
    private readonly credentials: AgentCredentials | undefined,
    private state: LoginState,
    private readonly options: ClientOptions & AgentSessionOptions,
  ) {
    this.context = {
      http,
      eventDefaults: options.events ?? {},
      signal: this.closed.signal,
      send: (method, path, request) => this.send(method, path, request),
      open: (path, request) => this.open(path, request),
      sessionId: () => this.sessionId,
      availableAgents: () => this.availableAgents(),
      ownSkills: async () => (await this.profile()).skills,
    };
  }

  /** Looks up the hosts, logs in, opens an agent session and starts the keep-alive. */
  static async login(options: AgentLoginOptions): Promise<AgentClient> {
    const { http, directory } = connect(options);
    const credentials = credentialsOf(options);
    const state = await logIn(http, directory, credentials);
    const client = new AgentClient(http, directory, credentials, state, options);
    try {
      await client.startSession();
    } catch (error) {
      // No half-open login left behind.
      await client.logout().catch(() => undefined);
      throw error;
    }
    client.isUp = true;
    client.scheduleRefresh();
    return client;
  }

  /**
   * Picks up a login and its agent session from `savedState()` (e.g. after a browser reload)
   * without the credentials and without opening a second agent session. It refreshes the login
   * and reads the session's availability first: a login that ended fails with a 401, an agent
   * session that ended with a 404 (log in again then). A resumed client cannot log in again by
   * itself: when its login expires later, requests fail with a 401.
   */
  static async resume(options: AgentResumeOptions): Promise<AgentClient> {
    const { http, directory } = connect(options);
    const state: LoginState = {
      bearer: options.bearer,
      csrf: options.csrf,
      sessionCookie: options.sessionCookie,
      userId: options.userId,
      loginName: options.loginName,
    };
    const client = new AgentClient(http, directory, undefined, state, options);
    client.sessionId = options.agentSessionId;
    // Checked without the usual recoveries: a 404 must not open a new session, a 401 not log in.
    await touchLogin(http, directory, state, 'refresh');
    await http.send({
      method: 'GET',
      url: () => client.url('/availability', undefined, true),
      auth: client.authorization(false),
      onNetworkError: () => directory.invalidate(),
    });
    client.isUp = true;
    client.scheduleRefresh();
    return client;
  }

  /**
   * What `AgentClient.resume()` needs to go on with this login and agent session; read it again
   * after a change (a re-login opens a new agent session), e.g. on every notification.
   */
  savedState(): AgentSavedState {
    return {
      accountId: this.options.accountId,
      bearer: this.state.bearer,
      csrf: this.state.csrf,
      sessionCookie: this.state.sessionCookie,
      userId: this.state.userId,
      loginName: this.state.loginName,
      agentSessionId: this.sessionId,
    };
  }

  /** The logged-in user's id, as the login reported it. */
  get userId(): string | undefined {
    return this.state.userId;
  }

  /** The current agent session id (it changes after a re-login). */
  get agentSessionId(): string {
    return this.sessionId;
  }

  /** Sets the chat availability (chat-agent-api §3.4); it is restored after a re-login. */
  async setAvailability(availability: Availability): Promise<void> {
    this.wantedAvailability = availability;
    await this.send('PUT', '/availability', { body: { availability: { chat: availability } } });
  }

  /** The agent session's chat availability. */
  async availability(): Promise<string> {
    return asText(member(member((await this.send('GET', '/availability')).body, 'availability'), 'chat')) ?? '';
  }

  /** Who is logged in: names, limit and skills (chat-agent-api §3.7). */
  async profile(): Promise<AgentProfile> {
    const info = member((await this.send('GET', '/info')).body, 'info');
    const text = (key: string) => asText(member(info, key)) ?? '';
    return {
      id: asNumber(member(info, 'id')),
      agentName: text('agentName'),
      displayName: text('displayName'),
      loginName: text('loginName'),
      maxChats: asNumber(member(info, 'maxChats')),
      skills: listOf(member(member(info, 'skillsInfo'), 'skillInfo')).flatMap((skill) => {
        const id = asNumber(member(skill, 'id'));
        const name = asText(member(skill, 'name'));
        return id === undefined || name === undefined ? [] : [{ id, name }];
      }),
    };
  }

  /**
   * The account's agents with their chat state (chat-agent-api §3.5), e.g. to pick a transfer
   * target; `chatState` narrows the list to one state.
   */
  async availableAgents(
    options: { chatState?: 'Online' | 'Occupied' | 'Away' | 'Offline' } = {},
  ): Promise<ListedAgent[]> {
    const query = options.chatState === undefined ? {} : { query: `chatState=${options.chatState}` };
    const reply = await this.send('GET', '/availableAgents', query);
    const agents = member(member(member(reply.body, 'availableAgents'), 'agents'), 'agent');
    return listOf(agents).flatMap((agent) => {
      const id = asNumber(member(agent, '@id'));
      if (id === undefined) return [];
      const loginName = asText(member(agent, 'userName')) ?? '';
      return [
        {
          id,
          loginName,
          nickname: asText(member(agent, 'nickname')) ?? loginName,
          chatState: CHAT_STATES[asText(member(agent, '@chatState')) ?? ''] ?? 'Offline',
          maxChats: asNumber(member(agent, '@maxChats')) ?? -1,
          chats: asNumber(member(agent, 'chats')) ?? 0,
        },
      ];
    });
  }

  /** How many chats ring at this agent now (chat-agent-api §3.8). */
  async ringingCount(signal?: AbortSignal): Promise<number> {
    const reply = await this.send('GET', '/incomingRequests', signal === undefined ? {} : { signal });
    return asNumber(member(member(reply.body, 'incomingRequests'), 'ringingCount')) ?? 0;
  }

  /** Accepts the oldest chat ringing at this agent (chat-agent-api §3.9); null when nothing rings. */
  async acceptNext(): Promise<AgentChat | null> {
    this.accepts += 1;
    let reply: HttpReply;
    try {
      reply = await this.send('POST', '/incomingRequests', { body: {} });
    } catch (error) {
      if (error instanceof ParleyError && error.status === 404) return null;
      throw error;
    }
    const href =
      linkHref(member(member(reply.body, 'chatLocation'), 'link'), 'location') ?? reply.headers.get('location');
    if (href === null || href === undefined)
      throw new ParleyError({ status: reply.status, message: 'No chat location', body: reply.body });
    return new AgentChat(this.context, lastSegment(href));
  }

  /** A chat this agent holds (or, given its `role`, takes part in), by id: to pick it up after a restart. */
  chat(chatId: string, role: ChatRole = 'holder'): AgentChat {
    return new AgentChat(this.context, chatId, role);
  }

  /** The chats this agent session holds (`GET {as}?cs=1`, chat-agent-api §3.2). */
  async heldChats(): Promise<AgentChat[]> {
    const reply = await this.send('GET', '', { query: 'cs=1' });
    return listOf(member(member(reply.body, 'agentSessionId'), 'link')).flatMap((link) => {
      const href = member(link, '@rel') === 'chat-session' ? asText(member(link, '@href')) : undefined;
      return href === undefined ? [] : [new AgentChat(this.context, lastSegment(href))];
    });
  }

  /**
   * Rings as they come: one whenever what rings changes while something rings — the count, or a
   * ringing chat as the server describes it (a new one, a visitor's name) — and again after an
   * accept. Uses the session stream, or polls `incomingRequests` when the server has none; `ringing`
   * is then empty.
   */
  async *rings(options: { signal?: AbortSignal } = {}): AsyncGenerator<Ring, void, undefined> {
    let last = 0;
    let lastRinging = '[]';
    let seenAccepts = this.accepts;
    for await (const notification of this.notifications(options)) {
      if (notification.type !== 'ring') continue;
      const count = notification.ringingCount;
      // What rings, not how long it has waited: a stream opened again repeats its ring, later.
      const ringing = JSON.stringify(
        notification.ringing.map(({ skill, visitorName, waitingSince }) => [skill, visitorName, waitingSince]),
      );
      const isNew = count > 0 && (count !== last || ringing !== lastRinging || this.accepts !== seenAccepts);
      last = count;
      lastRinging = ringing;
      seenAccepts = this.accepts;
      if (isNew) yield { ringingCount: count, ringing: notification.ringing, accept: () => this.acceptNext() };
    }
  }

  /**
   * The agent session's notifications (availability, rings, chats assigned or gone) from its
   * stream, reconnecting after a drop; without a stream, a `ring` per poll of `incomingRequests`
   * (its `ringing` empty: that resource gives only the count). Ends at logout or when `signal` aborts.
   */
  async *notifications(options: { signal?: AbortSignal } = {}): AsyncGenerator<AgentNotification, void, undefined> {
    yield* this.sessionFeed(options, {
      poll: async (signal) => [{ type: 'ring', ringingCount: await this.ringingCount(signal), ringing: [] }],
    });
  }

  /**
   * The waiting and in-progress chats this session may listen to, oldest first (shared chats, a
   * Parley addition), of one skill (id or name) or all.
   */
  async listLiveChats(options: { skill?: string } = {}): Promise<LiveChat[]> {
    const reply = await this.send('GET', '/liveChats', this.skillQuery(options.skill));
    return parseLiveChats(reply.body).chats;
  }

  /**
   * The live chats as they change: `synced` with the whole list first (and again after a
   * reconnect), then `chat` for each entry added or changed and `gone` for each chat that ended or
   * left this session's scope. From the list's stream, else long-polls. Ends at logout or on `signal`.
   */
  async *liveChats(
    options: { skill?: string; signal?: AbortSignal } = {},
  ): AsyncGenerator<LiveChatsUpdate, void, undefined> {
    const { signal, dispose } = anySignal([options.signal, this.closed.signal]);
    try {
      yield* followLiveChats(
        {
          read: async (query, timeoutMs, readSignal) =>
            (
              await this.send('GET', '/liveChats', {
                ...(query === '' ? {} : { query }),
                timeoutMs,
                signal: readSignal,
              })
            ).body,
          open: (query, openSignal) =>
            this.open('/liveChats', { ...(query === '' ? {} : { query }), signal: openSignal }),
          sleep: this.http.sleep,
          now: this.http.now,
        },
        {
          signal,
          ...(options.skill === undefined ? {} : { skill: options.skill }),
          ...(this.options.events?.transport === undefined || this.options.events.transport === 'auto'
            ? {}
            : { transport: 'long-poll' as const }),
          ...(this.options.events?.heartbeatTimeoutMs === undefined
            ? {}
            : { heartbeatTimeoutMs: this.options.events.heartbeatTimeoutMs }),
          pollIntervalMs: this.options.ringPollIntervalMs ?? 2_000,
        },
      );
    } finally {
      dispose();
    }
  }

  /**
   * Joins a chat beside its holder, as a `listener` (default: reads everything, posts only to
   * agents) or an `assistant` (also talks to the visitor); joining again with another role changes it.
   */
  async join(chatId: string, options: { role?: ParticipantRole } = {}): Promise<AgentChat> {
    const role = options.role ?? 'listener';
    await this.send('POST', `/chat/${encodeURIComponent(chatId)}/participants`, {
      body: { participant: { role } },
      idempotent: true,
    });
    return new AgentChat(this.context, chatId, role);
  }

  /**
   * Joins, as a listener, every chat of `skills` (names or ids, or `all` the session may listen to)
   * as it starts, and the live ones at once; yields each chat so joined. Stopping the iteration
   * (a `break`, `signal`) stops joining; chats already joined stay joined. The server keeps this for
   * the agent session: after a re-login (a new session) it is asked again.
   */
  async *listen(options: {
    skills: (string | number)[] | 'all';
    signal?: AbortSignal;
  }): AsyncGenerator<AgentChat, void, undefined> {
    const skills = options.skills === 'all' ? 'all' : options.skills.map(String);
    const joined = new Set<string>();
    let askedFor: string | undefined;
    const ask = async (signal: AbortSignal) => {
      await this.send('PUT', '/autoListen', { body: { autoListen: { skills } }, signal });
      askedFor = this.sessionId;
    };
    /** The chats this session listens to now: those joined while no stream was read. */
    const listening = async (signal: AbortSignal): Promise<AgentNotification[]> => {
      const reply = await this.send('GET', '/liveChats', { signal });
      return parseLiveChats(reply.body).chats.flatMap((chat) =>
        chat.joinedAs === 'listener'
          ? [{ type: 'participation' as const, chatId: chat.chatId, role: chat.joinedAs, state: 'joined' }]
          : [],
      );
    };
    try {
      const feed = this.sessionFeed(options, {
        // Asked again on every connection: a new agent session (after a re-login) starts without it.
        onConnect: async (signal) => {
          await ask(signal);
          return listening(signal);
        },
        poll: async (signal) => {
          if (askedFor !== this.sessionId) await ask(signal);
          return listening(signal);
        },
      });
      for await (const notification of feed) {
        if (notification.type !== 'participation') continue;
        if (notification.state !== 'joined') {
          // Left or ended: a chat joined again later is yielded again.
          if (notification.state !== 'holder') joined.delete(notification.chatId);
          continue;
        }
        // Automatic joins are as a listener; an accepted invitation (assistant) is not this feed's.
        if (notification.role !== 'listener' || joined.has(notification.chatId)) continue;
        joined.add(notification.chatId);
        yield new AgentChat(this.context, notification.chatId, 'listener');
      }
    } finally {
      if (askedFor !== undefined && !this.closed.signal.aborted) {
        await this.send('DELETE', '/autoListen').catch((error: unknown) => this.options.onError?.(error));
      }
    }
  }

  /**
   * Invitations to assist, as they reach this agent (by user, or by a skill it holds): from the
   * session stream, or by polling `GET invitations` when the server has no stream. Each is yielded
   * once, while open; answer it with `accept()` or `decline()`.
   */
  async *invitations(options: { signal?: AbortSignal } = {}): AsyncGenerator<Invitation, void, undefined> {
    const seen = new Set<string>();
    const open = async (signal: AbortSignal): Promise<AgentNotification[]> => {
      const reply = await this.send('GET', '/invitations', { signal });
      return parseInvitations(reply.body, this.http.now()).map((invitation) => ({
        type: 'invitation' as const,
        ...invitation,
      }));
    };
    // Those sent before the stream opened are listed; the stream then tells the later ones.
    for await (const notification of this.sessionFeed(options, { onConnect: open, poll: open })) {
      if (notification.type !== 'invitation' || notification.state !== 'open' || seen.has(notification.id)) continue;
      seen.add(notification.id);
      yield this.invitationFrom(notification);
    }
  }

  /**
   * An invitation told on the session stream (`notifications()`), with its answers: for a client
   * that follows the one stream rather than `invitations()` beside it.
   */
  invitationFrom(notice: Omit<InvitationNotice, 'state'>): Invitation {
    const { id, chatId, skill, visitorName, invitedBy, note, time } = notice;
    return {
      id,
      chatId,
      skill,
      visitorName,
      invitedBy,
      note,
      time,
      accept: () => this.answerInvitation(id, chatId),
      decline: async () => {
        await this.send('POST', `/invitations/${encodeURIComponent(id)}`, { body: { response: 'decline' } });
      },
    };
  }

  /** Accepts an invitation: this session joins its chat as an assistant. */
  private async answerInvitation(id: string, chatId: string): Promise<AgentChat> {
    await this.send('POST', `/invitations/${encodeURIComponent(id)}`, {
      body: { response: 'accept' },
      idempotent: true,
    });
    return new AgentChat(this.context, chatId, 'assistant');
  }

  /** `skill={skill}`, or no query. */
  private skillQuery(skill: string | undefined): SendOptions {
    return skill === undefined ? {} : { query: `skill=${encodeURIComponent(skill)}` };
  }

  /**
   * The session stream's notifications, reconnecting after a drop, with `hooks.onConnect`'s first
   * on each connection; without a stream, `hooks.poll` every `ringPollIntervalMs`.
   */
  private async *sessionFeed(
    options: { signal?: AbortSignal },
    hooks: SessionFeedHooks,
  ): AsyncGenerator<AgentNotification, void, undefined> {
    const { signal, dispose } = anySignal([options.signal, this.closed.signal]);
    const pollMs = this.options.ringPollIntervalMs ?? 2_000;
    const heartbeatTimeoutMs = this.options.events?.heartbeatTimeoutMs ?? 45_000;
    let isStreaming = this.options.events?.transport !== 'poll';
    try {
      for (;;) {
        if (!isStreaming) {
          yield* await hooks.poll(signal);
          await this.http.sleep(pollMs, signal);
          continue;
        }
        let stream: HttpStream;
        try {
          stream = await this.open('/stream', { signal });
        } catch (error) {
          if (!(error instanceof ParleyError) || !NO_STREAM.has(error.status)) throw error;
          isStreaming = false;
          continue;
        }
        const body = stream.response.body;
        if (!isEventStream(stream.response) || body === null) {
          stream.close();
          isStreaming = false;
          continue;
        }
        // What the hook fails with is the caller's (a refusal), not a dropped connection.
        let first: AgentNotification[];
        try {
          first = hooks.onConnect === undefined ? [] : await hooks.onConnect(signal);
        } catch (error) {
          stream.close();
          throw error;
        }
        let delivered = 0;
        try {
          yield* first;
          for await (const message of readServerSentEvents(body, {
            idleTimeoutMs: heartbeatTimeoutMs,
            onIdle: stream.close,
          })) {
            const notification = parseNotification(message);
            if (notification === undefined) continue;
            delivered += 1;
            yield notification;
          }
        } catch {
          // A dropped connection: reconnect below.
          if (signal.aborted) return;
        } finally {
          stream.close();
        }
        // A stream that closes at once is not streaming: do not hammer the server.
        if (delivered === 0) await this.http.sleep(pollMs, signal);
      }
    } catch (error) {
      if (signal.aborted) return;
      throw error;
    } finally {
      dispose();
    }
  }

  /** Refreshes the login now and touches the agent session: what the 5-minute timer does. */
  async refresh(): Promise<void> {
    try {
      await touchLogin(this.http, this.directory, this.state, 'refresh');
    } catch (error) {
      // A session that is gone means "log in again" (platform §6.1, node-agent-sdk).
      if (!(error instanceof ParleyError) || error.status !== 401) throw error;
      await this.renew(this.state.bearer);
    }
    // The agent session ends after 400 s without a request (chat-agent-api §1.7).
    await this.send('GET', '/availability');
  }

  /**
   * Stops the keep-alive and every stream, and logs out (platform §4.9); the server then ends the
   * agent session. A login that had already expired counts as logged out.
   */
  async logout(): Promise<void> {
    if (this.closed.signal.aborted) return;
    this.closed.abort(new Error('Logged out'));
    clearTimeout(this.refreshTimer);
    try {
      await touchLogin(this.http, this.directory, this.state, 'logout');
    } catch (error) {
      if (!(error instanceof ParleyError) || error.status !== 401) throw error;
    }
  }

  private scheduleRefresh(): void {
    const interval = this.options.refreshIntervalMs ?? 300_000;
    if (interval <= 0 || this.closed.signal.aborted) return;
    // The next refresh is planned when the previous one has settled: they never overlap (§6.2).
    this.refreshTimer = setTimeout(() => {
      this.refresh()
        .catch((error: unknown) => this.options.onError?.(error))
        .finally(() => this.scheduleRefresh());
    }, interval);
    unrefTimer(this.refreshTimer);
  }

  /** Bearer authorization that logs in again on a 401, unless another request already did. */
  private authorization(canRenew = true): Authorization {
    let used = this.state.bearer;
    return {
      headers: () => {
        used = this.state.bearer;
        return { authorization: `Bearer ${used}` };
      },
      ...(canRenew ? { renew: () => this.renew(used) } : {}),
    };
  }

  /** One re-login for every request that saw the same bearer refused; then a new agent session. */
  private async renew(refusedBearer: string): Promise<void> {
    if (this.closed.signal.aborted) throw abortReason(this.closed.signal);
    if (this.renewing === undefined && refusedBearer !== this.state.bearer) return;
    const credentials = this.credentials;
    if (credentials === undefined) {
      // A resumed login has no credentials to log in with again: the caller logs in.
      throw new ParleyError({ status: 401, message: 'The saved login has ended; log in again' });
    }
    this.renewing ??= (async () => {
      this.state = await logIn(this.http, this.directory, credentials);
      // The old login's agent sessions ended with it (platform §4.7).
      await this.startSession();
    })().finally(() => {
      this.renewing = undefined;
    });
    return this.renewing;
  }

  /** Opens an agent session (chat-agent-api §3.1) and restores the availability last set. */
  private async startSession(): Promise<void> {
    const reply = await this.http.send({
      method: 'POST',
      url: () =>
        this.directory.accountUrl(
          'agentVep',
          `/agentSession.json?v=1&NC=true${this.options.presence === 'connection' ? '&presence=connection' : ''}`,
        ),
      auth: this.authorization(false),
      body: { loginData: '' },
      onNetworkError: () => this.directory.invalidate(),
      ...this.recovery(),
    });
    const href =
      linkHref(member(member(reply.body, 'agentSessionLocation'), 'link'), 'location') ??
      reply.headers.get('location') ??
      '';
    this.sessionId = lastSegment(href);
    if (this.wantedAvailability !== undefined) {
      await this.http.send({
        method: 'PUT',
        url: () => this.url('/availability', undefined, true),
        auth: this.authorization(false),
        body: { availability: { chat: this.wantedAvailability } },
        ...this.recovery(),
      });
    }
  }

  /** Whether the agent session is gone (404 on `GET {as}`); then a new one is opened. */
  private async reopenIfGone(): Promise<boolean> {
    try {
      await this.http.send({
        method: 'GET',
        url: () => this.url('', undefined, true),
        auth: this.authorization(),
        ...this.recovery(),
      });
      return false;
    } catch (error) {
      if (!(error instanceof ParleyError) || error.status !== 404) return false;
    }
    this.restarting ??= this.startSession().finally(() => {
      this.restarting = undefined;
    });
    await this.restarting;
    return true;
  }

  /**
   * Slow recovery for a request of the logged-in client (platform §6.1): after the fast retries it
   * keeps trying until it gets an answer or the client logs out. The first login and session fail
   * fast, so that a wrong address or a server that is down is reported at once.
   */
  private recovery(): { recover?: boolean; recoverySignal?: AbortSignal } {
    if (this.options.slowRecovery === false || !this.isUp) return {};
    return { recover: true, recoverySignal: this.closed.signal };
  }

  /** `…/agentSession/{s}{path}` (`.json` unless a stream) with `v=1&NC=true` (chat-agent-api §1.2). */
  private url(path: string, query: string | undefined, isJson: boolean): Promise<string> {
    const suffix = isJson ? '.json' : '';
    const params = `${query === undefined ? '' : `${query}&`}v=1&NC=true`;
    return this.directory.accountUrl(
      'agentVep',
      `/agentSession/${encodeURIComponent(this.sessionId)}${path}${suffix}?${params}`,
    );
  }

  /** A request under the agent session; a 404 from a session that timed out reopens it once. */
  private async send(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    request: SendOptions = {},
  ): Promise<HttpReply> {
    // One key for every attempt, also the one after reopening the session: the server keeps keys
    // per agent and chat, not per session.
    const idempotencyKey = request.idempotent === true ? newIdempotencyKey() : undefined;
    const attempt = () =>
      this.http.send({
        method,
        url: () => this.url(path, request.query, true),
        auth: this.authorization(),
        onNetworkError: () => this.directory.invalidate(),
        // A read waits the outage out; a change fails after the fast retries, so its caller
        // learns that it did not go through (and may send it again, with its idempotency key).
        ...(method === 'GET' ? this.recovery() : {}),
        ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
        ...(request.body === undefined ? {} : { body: request.body }),
        ...(request.timeoutMs === undefined ? {} : { timeoutMs: request.timeoutMs }),
        ...(request.signal === undefined ? {} : { signal: request.signal }),
      });
    try {
      return await attempt();
    } catch (error) {
      if (error instanceof ParleyError && error.status === 404 && (await this.reopenIfGone())) return attempt();
      throw error;
    }
  }

  private async open(
    path: string,
    request: { query?: string; headers?: Record<string, string>; signal: AbortSignal },
  ): Promise<HttpStream> {
    const attempt = () =>
      this.http.open({
        method: 'GET',
        url: () => this.url(path, request.query, false),
        auth: this.authorization(),
        headers: request.headers ?? {},
        signal: request.signal,
        onNetworkError: () => this.directory.invalidate(),
        ...this.recovery(),
      });
    try {
      return await attempt();
    } catch (error) {
      if (error instanceof ParleyError && error.status === 404 && (await this.reopenIfGone())) return attempt();
      throw error;
    }
  }
}
