import type { ClientOptions } from './client-options.js';
import { parseChatInfo, type ChatInfo } from './chat-info.js';
import { ServiceDirectory } from './domain.js';
import { ParleyError } from './errors.js';
import {
  chatEventSource,
  chatEventsOf,
  followChatEvents,
  isEndOfChat,
  type ChatEvent,
  type EventFeedOptions,
} from './events.js';
import {
  anySignal,
  HttpClient,
  newIdempotencyKey,
  type Authorization,
  type HttpReply,
  type HttpStream,
  type SendOptions,
} from './http.js';
import { asNumber, asText, lastSegment, listOf, member } from './json.js';
import { unrefTimer } from './retry.js';
import { parseSurvey, surveySubmission, type Survey, type SurveyAnswers } from './surveys.js';

/** A visitor's connection: the server and the account's Server Chat API app key (server-chat §1.4). */
export interface VisitorOptions extends ClientOptions {
  /** One of the account's Server Chat API application keys. */
  appKey: string;
}

/** What a chat request carries (server-chat §3.8). */
export interface StartChatOptions extends VisitorOptions {
  /** The skill (by name) to route to; absent or unknown: the default queue. */
  skill?: string;
  /** Pre-chat survey answers by question id (`VisitorClient.preChatSurvey()` lists the questions). */
  preChatSurvey?: { surveyId?: string | number; answers: SurveyAnswers };
  /** Lines the agent sees before the chat starts (system lines with `systemMessageId` 0). */
  preChatLines?: readonly string[];
  /**
   * The visitor's id, kept by the client across chats (e.g. in the browser's storage), so the agent
   * sees the visitor's earlier chats; absent: the server makes one up.
   */
  visitorId?: number;
  /** Set right after the request, while the chat waits (server-chat §6 step 7). */
  visitorName?: string;
  /** Seconds without a visitor request after which the chat ends (server default 40). */
  interactionTimeout?: number;
  /** The longest the visitor will wait in the queue, in seconds. */
  maxWaitTime?: number;
  /** Any other request field (`LETagVisitorId`, `engagementId`, `language`, …), sent as given. */
  request?: Record<string, unknown>;
  /** Retrieve-chat-information keep-alive cadence while the chat lasts (default 30 s, platform §6.2; 0: never). */
  keepAliveMs?: number;
}

/** Options of the account-level questions (availability, pre-chat and offline surveys). */
export interface VisitorQueryOptions extends VisitorOptions {
  /** The skill (by name) the question is about. */
  skill?: string;
}

/** The HTTP side of a visitor: Server Chat API requests on the `conversationVep` host. */
class VisitorConnection {
  /** The HTTP layer every request of this visitor goes through. */
  readonly http: HttpClient;
  private readonly directory: ServiceDirectory;
  private readonly auth: Authorization;

  constructor(readonly options: VisitorOptions) {
    this.http = new HttpClient(options);
    this.directory = new ServiceDirectory(this.http, {
      baseUrl: options.baseUrl,
      accountId: options.accountId,
      ...(options.scheme === undefined ? {} : { scheme: options.scheme }),
      ...(options.domainCacheMs === undefined ? {} : { cacheMs: options.domainCacheMs }),
    });
    this.auth = { headers: () => ({ authorization: `LivePerson appKey=${options.appKey}` }) };
  }

  /** `…/api/account/{a}{path}` with `.json` (unless a stream) and `v=1&NC=true`. */
  url(path: string, query: string | undefined, isJson = true): () => Promise<string> {
    const params = `${query === undefined ? '' : `${query}&`}v=1&NC=true`;
    return () => this.directory.accountUrl('conversationVep', `${path}${isJson ? '.json' : ''}?${params}`);
  }

  /**
   * A Server Chat API request with the app key (server-chat §1.4). `idempotencyKey` (with
   * `idempotent`) is the caller's own, for a change it may send again later.
   */
  send(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    request: SendOptions & { idempotencyKey?: string } = {},
  ): Promise<HttpReply> {
    return this.http.send({
      method,
      url: this.url(path, request.query),
      auth: this.auth,
      onNetworkError: () => this.directory.invalidate(),
      // One key for every attempt of this request: a retry of a change already made is not made again.
      ...(request.idempotent === true ? { idempotencyKey: request.idempotencyKey ?? newIdempotencyKey() } : {}),
      ...(request.body === undefined ? {} : { body: request.body }),
      ...(request.timeoutMs === undefined ? {} : { timeoutMs: request.timeoutMs }),
      ...(request.signal === undefined ? {} : { signal: request.signal }),
    });
  }

  /** Opens `path` as a Server-Sent Events stream. */
  open(
    path: string,
    { query, headers, signal }: { query: string; headers: Record<string, string>; signal: AbortSignal },
  ): Promise<HttpStream> {
    return this.http.open({
      method: 'GET',
      url: this.url(path, query, false),
      auth: this.auth,
      headers,
      signal,
      onNetworkError: () => this.directory.invalidate(),
    });
  }
}

/** How `VisitorClient.sendLine` may be asked. */
export interface VisitorLineOptions {
  /**
   * The line's `Idempotency-Key` (default: a fresh one per call). A caller that sends the same line
   * again after a failure (a chat window riding out an outage) passes the same key every time, so
   * a line the server stored before its answer was lost is not stored twice.
   */
  idempotencyKey?: string;
  /** Gives up on the line (its retries included). */
  signal?: AbortSignal;
}

/** The request options of an account-level question about `skill` (`?skill=`, server-chat §3.1). */
const queryOf = (skill: string | undefined): { query?: string } =>
  skill === undefined ? {} : { query: `skill=${encodeURIComponent(skill)}` };

/** The seconds of an estimatedWaitTime answer (−1, nobody online, when it has none). */
const waitIn = (reply: HttpReply): number => asNumber(member(reply.body, 'estimatedWaitTime')) ?? -1;

/**
 * A visitor's chat on the Server Chat API (server-chat §6): request it, talk, read the events, end
 * it, then the exit survey and a transcript. While the chat lasts a keep-alive reads its information
 * every 30 s, so it does not time out when nobody reads its events.
 */
export class VisitorClient {
  private readonly closed = new AbortController();
  private keepAliveTimer: ReturnType<typeof setTimeout> | undefined;
  private isKeepAliveOver = false;
  /** Whether the server answers this chat's own wait (a Parley addition); false after its 404. */
  private hasChatWaitTime = true;

  /** The chat id (chat session key). */
  readonly id: string;

  private constructor(
    private readonly connection: VisitorConnection,
    id: string,
    private readonly keepAliveMs: number,
  ) {
    this.id = id;
  }

  /** Requests a chat (server-chat §3.8) and, when given, sets the visitor's name. */
  static async startChat(options: StartChatOptions): Promise<VisitorClient> {
    const connection = new VisitorConnection(options);
    const request: Record<string, unknown> = {
      ...(options.skill === undefined ? {} : { skill: options.skill }),
      ...(options.interactionTimeout === undefined ? {} : { interactionTimeout: options.interactionTimeout }),
      ...(options.maxWaitTime === undefined ? {} : { maxWaitTime: options.maxWaitTime }),
      ...(options.visitorId === undefined ? {} : { visitorId: options.visitorId }),
      ...(options.preChatLines === undefined ? {} : { preChatLines: { line: [...options.preChatLines] } }),
      ...(options.preChatSurvey === undefined
        ? {}
        : { survey: surveySubmission(options.preChatSurvey.answers, options.preChatSurvey.surveyId) }),
      ...options.request,
    };
    const reply = await connection.send('POST', '/chat/request', { body: { request }, idempotent: true });
    // 201, empty body, the chat's URL in Location only (server-chat §3.8).
    const location = reply.headers.get('location');
    if (location === null)
      throw new ParleyError({ status: reply.status, message: 'Start Chat answered without a Location' });
    const client = new VisitorClient(connection, lastSegment(location), options.keepAliveMs ?? 30_000);
    if (options.visitorName !== undefined) await client.setName(options.visitorName);
    client.scheduleKeepAlive();
    return client;
  }

  /**
   * Picks up a chat this visitor started earlier (after a page reload, say) by its id; the chat's
   * information is read first, so a chat that no longer exists fails with ParleyError 404.
   */
  static async resume(options: VisitorOptions & { chatId: string; keepAliveMs?: number }): Promise<VisitorClient> {
    const client = new VisitorClient(new VisitorConnection(options), options.chatId, options.keepAliveMs ?? 30_000);
    const info = await client.info();
    if (info.state === 'ended') client.stopKeepAlive();
    else client.scheduleKeepAlive();
    return client;
  }

  /** Whether an agent can take a chat now (server-chat §3.1). */
  static async isAvailable(options: VisitorQueryOptions): Promise<boolean> {
    const reply = await new VisitorConnection(options).send('GET', '/chat/availability', queryOf(options.skill));
    return member(reply.body, 'availability') === true;
  }

  /**
   * Seconds until an agent would take a chat (server-chat §3.3): 0 at once, −1 nobody online,
   * −2 not enough data to tell.
   */
  static async estimatedWaitTime(options: VisitorQueryOptions): Promise<number> {
    const reply = await new VisitorConnection(options).send('GET', '/chat/estimatedWaitTime', queryOf(options.skill));
    return waitIn(reply);
  }

  /**
   * The skills a visitor can choose, each with whether an agent can take a chat now. A Parley
   * addition (`chat/skills`); a server without it answers with an empty list.
   */
  static async skills(options: VisitorOptions): Promise<{ name: string; isAvailable: boolean }[]> {
    let reply: HttpReply;
    try {
      reply = await new VisitorConnection(options).send('GET', '/chat/skills');
    } catch (error) {
      if (error instanceof ParleyError && error.status === 404) return [];
      throw error;
    }
    return listOf(member(member(reply.body, 'skills'), 'skill')).flatMap((skill) => {
      const name = asText(member(skill, 'name'));
      return name === undefined ? [] : [{ name, isAvailable: member(skill, 'isAvailable') === true }];
    });
  }

  /**
   * Whether the server e-mails transcripts (`requestTranscript`), so a chat window offers it only
   * then. A Parley addition (`chat/transcriptAvailability`); a server without it (404) may still
   * e-mail them, so the answer is then true and the request's own answer tells.
   */
  static async canEmailTranscripts(options: VisitorOptions): Promise<boolean> {
    try {
      const reply = await new VisitorConnection(options).send('GET', '/chat/transcriptAvailability');
      return member(member(reply.body, 'transcriptAvailability'), 'email') !== false;
    } catch (error) {
      if (error instanceof ParleyError && error.status === 404) return true;
      throw error;
    }
  }

  /** The pre-chat survey (server-chat §3.4); its answers go in `startChat({ preChatSurvey })`. */
  static async preChatSurvey(options: VisitorQueryOptions): Promise<Survey> {
    return parseSurvey(
      (await new VisitorConnection(options).send('GET', '/chat/preSurvey', queryOf(options.skill))).body,
    );
  }

  /** The survey to offer when nobody is available (server-chat §3.5). */
  static async offlineSurvey(options: VisitorQueryOptions): Promise<Survey> {
    const connection = new VisitorConnection(options);
    return parseSurvey((await connection.send('GET', '/chat/offlineSurvey', queryOf(options.skill))).body);
  }

  /** Leaves an offline message: the offline survey's answers by question id (server-chat §3.6). */
  static async submitOfflineSurvey(
    options: VisitorQueryOptions,
    answers: SurveyAnswers,
    submission: { surveyId?: string | number } = {},
  ): Promise<void> {
    await new VisitorConnection(options).send('PUT', '/chat/offlineSurvey', {
      body: {
        survey: surveySubmission(answers, submission.surveyId),
        ...(options.skill === undefined ? {} : { skill: options.skill }),
      },
    });
  }

  /**
   * Seconds until an agent takes this chat, counting only the chats queued ahead of it: 0 once it
   * rings or is served, −1 nobody online (or the chat ended), −2 not enough data. A Parley addition
   * (`chat/{id}/estimatedWaitTime`); against a server without it, the account's figure for a new
   * chat of `skill` (server-chat §3.3), which counts this chat as one more ahead.
   */
  async estimatedWaitTime(skill?: string): Promise<number> {
    if (this.hasChatWaitTime) {
      try {
        const reply = await this.connection.send('GET', `${this.path()}/estimatedWaitTime`);
        return waitIn(reply);
      } catch (error) {
        // 404: a server without the addition (a gone chat is the event feed's to report); asked
        // every few seconds while the chat waits, so not asked again.
        if (!(error instanceof ParleyError && error.status === 404)) throw error;
        this.hasChatWaitTime = false;
      }
    }
    const reply = await this.connection.send('GET', '/chat/estimatedWaitTime', queryOf(skill));
    return waitIn(reply);
  }

  /** Sends a line (only while chatting, else ParleyError 400 / 5); resolves to its event id. */
  async sendLine(text: string, options: VisitorLineOptions = {}): Promise<number> {
    const reply = await this.connection.send('POST', `${this.path()}/events`, {
      body: { event: { '@type': 'line', text } },
      idempotent: true,
      ...(options.idempotencyKey === undefined ? {} : { idempotencyKey: options.idempotencyKey }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    return asNumber(lastSegment(reply.headers.get('location') ?? '')) ?? -1;
  }

  /**
   * Every event the visitor sees from the first (or `options.from`), then live, ending after the
   * chat's `ended` event. Agent-only lines are never part of it, so ids have gaps.
   */
  async *events(options: EventFeedOptions = {}): AsyncGenerator<ChatEvent, void, undefined> {
    const { signal, dispose } = anySignal([options.signal, this.closed.signal]);
    try {
      for await (const event of followChatEvents(chatEventSource(this.connection, this.path()), {
        ...this.connection.options.events,
        ...options,
        signal,
      })) {
        if (isEndOfChat(event)) this.stopKeepAlive();
        yield event;
      }
    } finally {
      dispose();
    }
  }

  /** The events the visitor sees so far, from `from` (default 0), in one read. */
  async history(from = 0): Promise<ChatEvent[]> {
    return chatEventsOf((await this.connection.send('GET', this.path(), { query: `from=${from}` })).body);
  }

  /** Sets the visitor's typing indicator (server-chat §3.14). */
  async setTyping(isTyping: boolean): Promise<void> {
    await this.connection.send('PUT', `${this.path()}/info/visitorTyping`, {
      body: { visitorTyping: isTyping ? 'typing' : 'not-typing' },
    });
  }

  /** Sets the name the agent sees (server-chat §3.13). */
  async setName(name: string): Promise<void> {
    await this.connection.send('PUT', `${this.path()}/info/visitorName`, { body: { visitorName: name } });
  }

  /** Whether the agent is typing (server-chat §3.15). */
  async isAgentTyping(): Promise<boolean> {
    const reply = await this.connection.send('GET', `${this.path()}/info/agentTyping`);
    return member(reply.body, 'agentTyping') === 'typing';
  }

  /** The chat's information (server-chat §3.12); also what the keep-alive reads. */
  async info(): Promise<ChatInfo> {
    return parseChatInfo((await this.connection.send('GET', `${this.path()}/info`)).body);
  }

  /** Ends the chat (server-chat §3.11); the exit survey and transcripts stay available. */
  async end(): Promise<void> {
    await this.connection.send('POST', `${this.path()}/events`, {
      body: { event: { '@type': 'state', state: 'ended' } },
      idempotent: true,
    });
    this.stopKeepAlive();
  }

  /** The exit survey (server-chat §3.16), typically after the chat ended. */
  async exitSurvey(): Promise<Survey> {
    return parseSurvey((await this.connection.send('GET', `${this.path()}/exitSurvey`)).body);
  }

  /** Submits the exit survey (server-chat §3.17): answers by question id. */
  async submitExitSurvey(answers: SurveyAnswers, options: { surveyId?: string | number } = {}): Promise<void> {
    await this.connection.send('PUT', `${this.path()}/exitSurvey`, {
      body: { survey: surveySubmission(answers, options.surveyId) },
    });
  }

  /**
   * E-mails the transcript (server-chat §3.18); with a subject through `transcriptWithSubjectRequest`.
   * `timezoneOffset` is in milliseconds from UTC, as the API takes it.
   */
  async requestTranscript(email: string, options: { subject?: string; timezoneOffset?: number } = {}): Promise<void> {
    const resource = options.subject === undefined ? 'transcriptRequest' : 'transcriptWithSubjectRequest';
    await this.connection.send('PUT', `${this.path()}/${resource}`, {
      body: {
        email,
        ...(options.timezoneOffset === undefined ? {} : { timezoneOffset: options.timezoneOffset }),
        ...(options.subject === undefined ? {} : { subject: options.subject }),
      },
    });
  }

  /** Stops the keep-alive and ends every `events()` iteration; the chat itself is left as it is. */
  close(): void {
    this.closed.abort(new Error('Closed'));
    this.stopKeepAlive();
  }

  private path(): string {
    return `/chat/${encodeURIComponent(this.id)}`;
  }

  private scheduleKeepAlive(): void {
    if (this.keepAliveMs <= 0 || this.isKeepAliveOver) return;
    this.keepAliveTimer = setTimeout(() => {
      this.info()
        .then((info) => {
          if (info.state === 'ended') this.stopKeepAlive();
          else this.scheduleKeepAlive();
        })
        .catch((error: unknown) => {
          this.connection.options.onError?.(error);
          this.scheduleKeepAlive();
        });
    }, this.keepAliveMs);
    unrefTimer(this.keepAliveTimer);
  }

  private stopKeepAlive(): void {
    this.isKeepAliveOver = true;
    clearTimeout(this.keepAliveTimer);
  }
}
