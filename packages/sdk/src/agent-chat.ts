import { parseChatInfo, parseVisitorName, type ChatInfo } from './chat-info.js';
import { ParleyError } from './errors.js';
import { chatEventSource, chatEventsOf, followChatEvents, type ChatEvent, type EventFeedOptions } from './events.js';
import { anySignal, type HttpClient, type HttpReply, type HttpStream, type SendOptions } from './http.js';
import { asNumber, asText, lastSegment, linkHref, listOf, member } from './json.js';
import { createdId, parseParticipants, type ChatParticipants, type ParticipantRole } from './shared-chats.js';
import { parseSurvey, surveySubmission, type Survey, type SurveyAnswers } from './surveys.js';
import { parseVisitInfo, visitIdOf, type VisitInfo } from './visit.js';

/** What an AgentChat needs from its AgentClient: requests under the current agent session. */
export interface AgentSessionContext {
  /** The client's HTTP layer (its `sleep` and `now` pace the event feeds). */
  readonly http: HttpClient;
  /** Default options of `events()`. */
  readonly eventDefaults: EventFeedOptions;
  /** Aborted at logout: every stream of the client ends. */
  readonly signal: AbortSignal;
  /** A Chat Agent API request on `…/agentSession/{s}{path}` (query without `v`/`NC`). */
  send(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, options?: SendOptions): Promise<HttpReply>;
  /** The current agent session id: a participant is named by it. */
  sessionId(): string;
  /** The account's agents, to find a user by login name. */
  availableAgents(): Promise<{ id: number; loginName: string }[]>;
  /** The skills of the logged-in agent, to find a skill by name. */
  ownSkills(): Promise<{ id: number; name: string }[]>;
  /** Opens `…/agentSession/{s}{path}` as a Server-Sent Events stream. */
  open(
    path: string,
    options: { query?: string; headers?: Record<string, string>; signal: AbortSignal },
  ): Promise<HttpStream>;
}

/** A skill a chat can be transferred to (chat-agent-api §3.22). */
export interface TransferSkill {
  id: number;
  name: string;
  /** Online agents with the skill, this agent not counted. */
  onlineAgents: number;
}

/** Where a chat goes (chat-agent-api §3.23): a skill by name or id, or an agent by id. */
export interface TransferTarget {
  /** The skill's name (looked up among the skills with an online agent) or id. */
  skill?: string | number;
  /** The agent's user id; wins over `skill` when both are given. */
  agentId?: number | string;
  /** A note for the receiving agent only; the visitor never sees it. */
  note?: string;
}

/** How a line is sent (chat-agent-api §3.15). */
export interface SendLineOptions {
  /** The text is HTML (sanitised by the server) rather than plain text. */
  html?: boolean;
  /** Only agents see it (`subType: ONLY_TO_REP`); the same as `audience: 'agents'`. */
  agentOnly?: boolean;
  /**
   * Who sees it: `visitor` (default: the visitor and the agents) or `agents` (`ONLY_TO_REP`: the
   * holder and the participants). A listener may post only to agents.
   */
  audience?: 'visitor' | 'agents';
}

/** Whom to invite into a shared chat (as an assistant). */
export type InviteTarget =
  /** A user id, or a login name looked up in the account's agent list (chat-agent-api §3.5). */
  | { user: string | number }
  /** Anyone with the skill, by id or name: the first to accept takes it. */
  | { skill: string | number };

/** An invitation the holder sent. */
export interface SentInvitation {
  id: string;
  /** Withdraws it (while nobody answered). */
  withdraw(): Promise<void>;
}

/** The role of this agent session in a chat: it holds it, or is a participant beside the holder. */
export type ChatRole = 'holder' | ParticipantRole;

/**
 * A chat held by an agent (chat-agent-api §3.13–3.25). Its URLs are built from the client's current
 * agent session, so the chat survives the SDK opening a new session after a re-login.
 */
export class AgentChat {
  /** Set when a transfer is sent: the server may close this agent's stream before it answers. */
  private isTransferring = false;
  /** Set when this participant leaves: the chat then refuses it its events. */
  private hasLeft = false;
  private currentRole: ChatRole;

  /** The chat id (chat session key). */
  readonly id: string;

  constructor(
    private readonly session: AgentSessionContext,
    id: string,
    role: ChatRole = 'holder',
  ) {
    this.id = id;
    this.currentRole = role;
  }

  /**
   * How this session is in the chat: `holder` (it accepted the chat or took it over), or a
   * participant beside the holder, `listener` or `assistant` (shared chats, a Parley addition).
   */
  get role(): ChatRole {
    return this.currentRole;
  }

  /**
   * Every event of the chat from the first (or `options.from`), then live, ending after the `ended`
   * state event — or quietly once this agent has transferred the chat away.
   */
  async *events(options: EventFeedOptions = {}): AsyncGenerator<ChatEvent, void, undefined> {
    const { signal, dispose } = anySignal([options.signal, this.session.signal]);
    try {
      yield* followChatEvents(chatEventSource(this.session, this.path()), {
        ...this.session.eventDefaults,
        ...options,
        signal,
      });
    } catch (error) {
      // After a transfer this agent may no longer read the chat (403, chat-agent-api §3.23); nor
      // may a participant that left.
      if ((this.hasTransferred || this.hasLeft) && error instanceof ParleyError && error.status === 403) return;
      throw error;
    } finally {
      dispose();
    }
  }

  /**
   * The events so far, from `from` (default 0), in one read. `events({ from: last.id + 1 })` then
   * continues live; a bot that takes over a transferred chat reads the history this way first.
   */
  async history(from = 0): Promise<ChatEvent[]> {
    return chatEventsOf((await this.session.send('GET', this.path(), { query: `from=${from}` })).body);
  }

  /** Sends a line, to the visitor or (`audience: 'agents'`) to the agents only; resolves to its event id. */
  async sendLine(text: string, options: SendLineOptions = {}): Promise<number> {
    const isAgentOnly = options.agentOnly === true || options.audience === 'agents';
    return this.post({
      '@type': 'line',
      text,
      textType: options.html === true ? 'html' : 'plain',
      ...(isAgentOnly ? { subType: 'ONLY_TO_REP' } : {}),
    });
  }

  /**
   * Suggests a reply to the holder: an agent-only line whose text is the tip (`note`, by default the
   * reply itself) and whose `suggestedReply` the holder's composer may take. The visitor never sees
   * it. Resolves to its event id.
   */
  async suggest(reply: string, options: { note?: string } = {}): Promise<number> {
    return this.post({
      '@type': 'line',
      text: options.note ?? reply,
      textType: 'plain',
      subType: 'ONLY_TO_REP',
      suggestedReply: reply,
    });
  }

  /**
   * Invites a user, or anyone with a skill, to assist in this chat (the holder only). The invitee
   * needs a live agent session; it answers with `AgentClient.invitations()`.
   */
  async invite(target: InviteTarget, options: { note?: string } = {}): Promise<SentInvitation> {
    const invitee =
      'user' in target
        ? { agentId: String(await this.userIdOf(target.user)) }
        : { skillId: String(await this.skillIdOf(target.skill)) };
    const reply = await this.session.send('POST', `${this.path()}/invitations`, {
      body: { invitation: { ...invitee, ...(options.note === undefined ? {} : { note: options.note }) } },
      idempotent: true,
    });
    const id = createdId(reply.body, 'invitationLocation', reply.headers.get('location'));
    return {
      id,
      withdraw: async () => {
        await this.session.send('DELETE', `${this.path()}/invitations/${encodeURIComponent(id)}`);
      },
    };
  }

  /** Who is in the chat: the holder, the participants and the open invitations. */
  async participants(): Promise<ChatParticipants> {
    return parseParticipants((await this.session.send('GET', `${this.path()}/participants`)).body);
  }

  /** Leaves the chat (a participant); its `events()` then end. */
  async leave(): Promise<void> {
    this.hasLeft = true;
    try {
      await this.session.send('DELETE', `${this.path()}/participants/${encodeURIComponent(this.session.sessionId())}`);
    } catch (error) {
      this.hasLeft = false;
      throw error;
    }
  }

  /**
   * Takes the chat over (a participant with the assist permission, while the chat is in progress):
   * this session becomes its holder and the former holder loses it.
   */
  async takeOver(): Promise<void> {
    await this.session.send('POST', `${this.path()}/takeOver`, { body: {}, idempotent: true });
    this.currentRole = 'holder';
  }

  /** Sends structured content (`textType: rich-content`); resolves to its event id. */
  async sendRichContent(json: Record<string, unknown>, options: { agentOnly?: boolean } = {}): Promise<number> {
    return this.post({
      '@type': 'line',
      textType: 'rich-content',
      json,
      ...(options.agentOnly === true ? { subType: 'ONLY_TO_REP' } : {}),
    });
  }

  /** Shows or hides the agent's typing indicator to the visitor (chat-agent-api §3.20). */
  async setTyping(isTyping: boolean): Promise<void> {
    await this.session.send('PUT', `${this.path()}/info/agentTyping`, {
      body: { agentTyping: isTyping ? 'typing' : 'not-typing' },
    });
  }

  /** Whether the visitor is typing (chat-agent-api §3.21). */
  async isVisitorTyping(): Promise<boolean> {
    const reply = await this.session.send('GET', `${this.path()}/info/visitorTyping`);
    return member(reply.body, 'visitorTyping') === 'typing';
  }

  /** The chat's information (chat-agent-api §3.17). */
  async info(): Promise<ChatInfo> {
    return parseChatInfo((await this.session.send('GET', `${this.path()}/info`)).body);
  }

  /**
   * Who the visitor is: address, user agent, referrer, pre-chat survey answers and earlier chats
   * (the visit info resource, chat-agent-api §3.26).
   */
  async visit(): Promise<VisitInfo> {
    const reply = await this.session.send('GET', `/visits/visit/${encodeURIComponent(visitIdOf(this.id))}/info`);
    return parseVisitInfo(reply.body);
  }

  /** The visitor's name; `visitor` until the visitor sets one (chat-agent-api §3.18). */
  async visitorName(): Promise<string> {
    return parseVisitorName((await this.session.send('GET', `${this.path()}/info/visitorName`)).body);
  }

  /** The skills the chat can go to: those with an online agent other than this one (§3.22). */
  async transferSkills(): Promise<TransferSkill[]> {
    const reply = await this.session.send('GET', `${this.path()}/transfer`);
    return listOf(member(member(reply.body, 'transfer'), 'skill')).flatMap((skill) => {
      const id = asNumber(member(skill, 'id'));
      const name = asText(member(skill, 'name'));
      const onlineAgents = asNumber(member(skill, 'onlineAgents')) ?? 0;
      return id === undefined || name === undefined ? [] : [{ id, name, onlineAgents }];
    });
  }

  /**
   * Transfers the chat to a skill or an agent (chat-agent-api §3.23); afterwards this agent loses
   * it and `events()` ends. A skill name without an online agent fails like the server's own refusal
   * (ParleyError 400, no code).
   */
  async transfer(target: TransferTarget): Promise<void> {
    let destination: Record<string, unknown>;
    if (target.agentId !== undefined) {
      destination = { agent: { id: target.agentId } };
    } else if (typeof target.skill === 'number') {
      destination = { skill: { id: target.skill } };
    } else if (typeof target.skill === 'string') {
      const name = target.skill.toLowerCase();
      const skill = (await this.transferSkills()).find((candidate) => candidate.name.toLowerCase() === name);
      if (skill === undefined) {
        const message = `No agent with skill ${target.skill} is available`;
        throw new ParleyError({ status: 400, message, body: { transfer: { errormsg: message } } });
      }
      destination = { skill: { id: skill.id } };
    } else {
      throw new TypeError('A transfer names a skill or an agentId');
    }
    this.isTransferring = true;
    try {
      await this.session.send('POST', `${this.path()}/transfer`, {
        body: { transfer: { ...destination, ...(target.note === undefined ? {} : { text: target.note }) } },
      });
    } catch (error) {
      this.isTransferring = false;
      throw error;
    }
  }

  /**
   * Whether this client has transferred the chat away (from the moment the transfer is sent): its
   * event feed then ends quietly instead of failing with the 403 that follows.
   */
  get hasTransferred(): boolean {
    return this.isTransferring;
  }

  /** Ends the chat (chat-agent-api §3.16): the visitor sees system line 5, then `ended`. */
  async end(): Promise<void> {
    await this.post({ '@type': 'state', state: 'ended' });
  }

  /** The agent survey of this chat (chat-agent-api §3.24). */
  async survey(): Promise<Survey> {
    return parseSurvey((await this.session.send('GET', `${this.path()}/survey`)).body);
  }

  /** Submits the agent survey (chat-agent-api §3.25); answers by question id. */
  async submitSurvey(answers: SurveyAnswers, options: { surveyId?: string | number } = {}): Promise<void> {
    await this.session.send('PUT', `${this.path()}/survey`, {
      body: { survey: surveySubmission(answers, options.surveyId) },
    });
  }

  private path(): string {
    return `/chat/${encodeURIComponent(this.id)}`;
  }

  /** A user id as given, or the id of the agent with that login name. */
  private async userIdOf(user: string | number): Promise<number | string> {
    if (typeof user === 'number') return user;
    const name = user.toLowerCase();
    const agent = (await this.session.availableAgents()).find(
      (candidate) => candidate.loginName.toLowerCase() === name,
    );
    if (agent !== undefined) return agent.id;
    if (/^\d+$/.test(user)) return user;
    const message = `No agent with login name ${user}`;
    throw new ParleyError({ status: 400, code: 40, message, body: { error: { message, internalCode: 40 } } });
  }

  /**
   * A skill id as given, or the id of the skill with that name: among this agent's skills, else
   * among those the chat could be transferred to (the skills with another agent online).
   */
  private async skillIdOf(skill: string | number): Promise<number | string> {
    if (typeof skill === 'number' || /^\d+$/.test(skill)) return skill;
    const name = skill.toLowerCase();
    const own = (await this.session.ownSkills()).find((candidate) => candidate.name.toLowerCase() === name);
    if (own !== undefined) return own.id;
    const other = (await this.transferSkills()).find((candidate) => candidate.name.toLowerCase() === name);
    if (other !== undefined) return other.id;
    const message = `No skill ${skill}`;
    throw new ParleyError({ status: 400, code: 40, message, body: { error: { message, internalCode: 40 } } });
  }

  /** Posts one event; the answer's location names the new event (chat-agent-api §3.15–3.16). */
  private async post(event: Record<string, unknown>): Promise<number> {
    const reply = await this.session.send('POST', `${this.path()}/events`, { body: { event }, idempotent: true });
    const root = member(reply.body, 'chatEventLocation') ?? member(reply.body, 'chatLocation');
    const href = linkHref(member(root, 'link'), 'location') ?? reply.headers.get('location') ?? '';
    return asNumber(lastSegment(href)) ?? -1;
  }
}
