import { AppError, ErrorCode, isAppError } from '../errors.js';
import type { Account, Skill, User } from '../model.js';
import type { Clock, Store } from '../ports.js';
import { requireAccount } from '../accounts/require-account.js';
import { changeEventsFrom, isGone, requeuedChat, stateEvent, systemLine } from '../chats/chat-events.js';
import {
  ChatState,
  LineSource,
  SubType,
  type AgentSession,
  type Chat,
  type ChatEvent,
  type CommittedChange,
  type Participant,
  type TextType,
} from '../chats/chat-model.js';
import { checkParticipantLine, participantLineChange, participantOf } from '../sharing/participants.js';
import type { SharedChats } from '../sharing/shared-chats.js';
import type { AgentChatActions } from '../chats/agent-chat-actions.js';
import type { ChangeAnswer, ChatWriter } from '../chats/chat-writer.js';
import { keyedRequest } from '../idempotency.js';
import { checkAnswers, normalizeSurvey, type Survey, type SurveySubmission } from '../surveys/surveys.js';
import { availabilityByUser, effectiveAvailability, type Router } from './router.js';
import { TOUCH_RESOLUTION_MS } from '../clock.js';
import { visitIdOf } from '../chats/chat-ids.js';
import { withCurrentTyping } from '../chats/typing.js';
import type { ChatHeads } from '../chats/chat-heads.js';
import type { TouchBuffer } from '../chats/touch-buffer.js';

/** How many earlier chats of a visitor the agent is shown. */
const PREVIOUS_CHATS = 10;

const chatNotFound = () => new AppError(ErrorCode.NOT_FOUND, 'Chat not found');
/** A chat a session may not see: unknown or gone, or held by someone else (chat-agent-api §3.11). */
const isUnseen = (error: unknown): boolean =>
  isAppError(error) && (error.code === ErrorCode.NOT_FOUND || error.code === ErrorCode.FORBIDDEN);

/** What a post answers: a line's event, or the last event of the chat it ended (§3.15–3.16). */
export interface AgentPostAnswer {
  kind: 'line' | 'end';
  eventId: number;
}

const agentPostAnswer = (kind: AgentPostAnswer['kind']): ChangeAnswer<AgentPostAnswer> => ({
  of: (change) => ({ kind, eventId: change.chat.nextEventId - 1 }),
  encode: (answer) => String(answer.eventId),
  // The kind is the request's own: a key reused with another body is refused before this.
  decode: (recorded) => ({ kind, eventId: Number(recorded) }),
});

/** What an agent may post to a chat's events (chat-agent-api §3.15–3.16). */
export type AgentPost =
  | { kind: 'line'; text: string; textType: TextType; subType: SubType; json?: unknown; suggestedReply?: string }
  | { kind: 'end' };

/**
 * What an agent asks a transfer for (chat-agent-api §3.23): an agent or a skill, by the id as sent
 * (it is echoed in the refusal), and a note that becomes an agent-only line.
 */
export interface TransferRequest {
  target: { kind: 'agent'; agentId: string } | { kind: 'skill'; skillId: string };
  note: string;
}

/** A transfer refused for its target: the transfer resource's `errormsg` (chat-agent-api §3.23). */
const transferRefused = (message: string) => new AppError(ErrorCode.TRANSFER_REFUSED, message);

/**
 * What an agent does with chats through its session (chat-agent-api §3.10–3.25): only chats its
 * user holds are visible (403 / 43 otherwise, 404 / 42 for none at all); every request updates the
 * chat's `lastUpdate` but does not keep it alive (server-chat §4.5).
 */
export function createAgentChats(deps: {
  store: Store;
  clock: Clock;
  writer: ChatWriter;
  router: Router;
  actions: AgentChatActions;
  sanitizeHtml: (html: string) => string;
  sharing: SharedChats;
  touches: TouchBuffer;
  /** What the node knows of each live chat, read in place of the store where it may be (chat-heads.ts). */
  heads: ChatHeads;
}) {
  const { store, clock, writer, router, actions, sanitizeHtml, sharing, touches, heads } = deps;

  /**
   * What a session may do with a chat as it stands: read it as its holder, take it over first
   * (another session of the same agent holds it, §3.10), read it as a participant
   * (docs/SHARED-CHATS.md), or nothing (404 / 42 gone, 403 / 43 another agent's).
   */
  function access(session: AgentSession, chat: Chat, now: number): AppError | 'read' | 'take-over' | Participant {
    if (isGone(chat, now)) return chatNotFound();
    if (chat.agentUserId !== session.userId) {
      return (
        participantOf(chat, session.id) ?? new AppError(ErrorCode.FORBIDDEN, 'This chat is not held by this agent')
      );
    }
    return chat.agentSessionId !== session.id && chat.state === ChatState.CHATTING ? 'take-over' : 'read';
  }

  /**
   * Records a request on the chat once: not for repeated reads, nor within a second of the last.
   * It moves no deadline, so it always waits for the next flush (touch-buffer.ts).
   */
  function touched(session: AgentSession, chat: Chat, now: number, options: { touch?: boolean }): Chat {
    // A request within a second of the last is not recorded (lastUpdate is informational for agent requests).
    if (options.touch === false || now - chat.lastUpdate < TOUCH_RESOLUTION_MS) return chat;
    touches.record({ accountId: session.accountId, chatId: chat.id, at: now, idleDueAt: null, retainUntil: null });
    return { ...chat, lastUpdate: now };
  }

  /**
   * The chat, for its holder or a participant. For the holder, the session that uses it becomes
   * its holder (§3.10); a participant reads it as it is, with its place in it. `holderOnly` refuses
   * participants what only the holder does (403 / 43).
   */
  async function seen(
    session: AgentSession,
    chatId: string,
    options: { touch?: boolean; holderOnly?: boolean } = {},
  ): Promise<{ chat: Chat; participant?: Participant }> {
    const found = await seenAsStored(session, chatId, options);
    // Typing flags read as they hold now (typing.ts), on every read path.
    return { ...found, chat: withCurrentTyping(found.chat, clock.now()) };
  }

  /**
   * What this node knows of a chat in place of a store read (chat-heads.ts), if this session may
   * read it as it is (its holder, or a participant): anything else (a take-over, a refusal) is
   * decided on the stored chat. `held`: the first read of a held long-poll.
   */
  function knownHead(
    session: AgentSession,
    chatId: string,
    from: number,
    held: boolean,
  ): { chat: Chat; events: ChatEvent[] | undefined } | undefined {
    const now = clock.now();
    const known = heads.known(session.accountId, chatId, from, held, (candidate) => {
      const verdict = access(session, candidate, now);
      return !(verdict instanceof AppError) && verdict !== 'take-over';
    });
    return (
      known && {
        chat: withCurrentTyping(touched(session, touches.applied(known.head), now, {}), now),
        events: known.events,
      }
    );
  }

  async function seenAsStored(
    session: AgentSession,
    chatId: string,
    options: { touch?: boolean; holderOnly?: boolean },
  ): Promise<{ chat: Chat; participant?: Participant }> {
    const now = clock.now();
    const mark = heads.mark();
    const stored = await store.chats.get(session.accountId, chatId);
    if (stored === undefined) throw chatNotFound();
    heads.remember(stored, mark);
    const chat = touches.applied(stored);
    const verdict = access(session, chat, now);
    if (verdict instanceof AppError) throw verdict;
    if (typeof verdict === 'object') {
      if (options.holderOnly === true)
        throw new AppError(ErrorCode.FORBIDDEN, 'Only the agent holding the chat may do this');
      return { chat: touched(session, chat, now, options), participant: verdict };
    }
    if (verdict === 'read') return { chat: touched(session, chat, now, options) };
    const moved = await writer.change(session.accountId, chat.id, (current) => ({
      chat: { ...current, agentSessionId: session.id },
      events: [],
    }));
    return { chat: moved.chat };
  }

  /** The chat, if this session's user holds it (see `seen`). */
  const held = async (session: AgentSession, chatId: string, options: { touch?: boolean } = {}): Promise<Chat> =>
    (await seen(session, chatId, { ...options, holderOnly: true })).chat;

  async function userOf(session: AgentSession): Promise<User> {
    const user = await store.users.get(session.accountId, session.userId);
    if (user === undefined) throw new AppError(ErrorCode.SESSION_INVALID, 'The agent no longer exists');
    return user;
  }

  const configuredSurvey = (account: Account): Survey => {
    if (account.surveys.agent === undefined) throw new AppError(ErrorCode.NOT_FOUND, 'No agent survey is configured');
    return normalizeSurvey(account.surveys.agent);
  };

  /**
   * The chat and every event from `from`, agent-only lines included (§3.13–3.14), from the chat's
   * head and its newest events where this node may use them (`knownHead`).
   */
  async function read(
    session: AgentSession,
    chatId: string,
    from: number,
    options: { touch?: boolean; held?: boolean } = {},
  ): Promise<{ chat: Chat; events: ChatEvent[] }> {
    const known = options.touch === false ? undefined : knownHead(session, chatId, from, options.held === true);
    const chat = known?.chat ?? (await seen(session, chatId, options)).chat;
    // Nothing at or past `from` yet (a poll or a long-poll asking for what comes next): no query.
    const events =
      from >= chat.nextEventId
        ? []
        : (known?.events ??
          (await store.chats.events(session.accountId, chatId, from, {
            includeAgentOnly: true,
            before: chat.nextEventId,
          })));
    return { chat, events };
  }

  /** The chat behind a visit (§3.26), if this agent holds it: only those visits are visible. */
  async function visit(session: AgentSession, visitId: string): Promise<Chat> {
    const chats = await store.chats.heldByUser(session.accountId, session.userId);
    const chat = chats.find((candidate) => visitIdOf(candidate.id) === visitId);
    if (chat === undefined) throw new AppError(ErrorCode.NOT_FOUND, 'Visit not found');
    return chat;
  }

  /** The visitor's earlier chats, newest first, so the agent sees who is asking. */
  function previousChats(chat: Chat): Promise<Chat[]> {
    return store.chats.byVisitor(chat.accountId, chat.visitorId, chat.id, PREVIOUS_CHATS);
  }

  return {
    held,
    seen,
    read,

    /**
     * Several chats at once (§3.11), each from its own event: only the chats this session cannot
     * see (unknown or gone, or another agent's) are left out; any other failure is not hidden.
     */
    async readSeen(
      session: AgentSession,
      reads: { chatId: string; from: number }[],
    ): Promise<{ chat: Chat; events: ChatEvent[]; from: number }[]> {
      const found = [];
      for (const { chatId, from } of reads) {
        const seen = await read(session, chatId, from).catch((error: unknown) => {
          if (isUnseen(error)) return undefined;
          throw error;
        });
        if (seen !== undefined) found.push({ ...seen, from });
      }
      return found;
    },

    /** One event of the chat by its id (§3.14); 404 / 42 for an id it does not have. */
    async event(session: AgentSession, chatId: string, eventId: number | undefined): Promise<ChatEvent> {
      const { events } = await read(session, chatId, eventId ?? Number.MAX_SAFE_INTEGER);
      const event = events[0];
      if (eventId === undefined || event === undefined || event.id !== eventId)
        throw new AppError(ErrorCode.NOT_FOUND, 'Event not found');
      return event;
    },

    /**
     * What a read from `from` would answer, taken from a change the bus carried (a waiting
     * long-poll or stream, woken by it) without asking the store. Undefined when the change cannot
     * tell alone: events before it may be missing, or the chat is gone, no longer this agent's, or
     * held by another of its sessions (the store read refuses, or moves the holder, as `read` does).
     */
    readChange(
      session: AgentSession,
      change: CommittedChange,
      from: number,
    ): { chat: Chat; events: ChatEvent[] } | undefined {
      const now = clock.now();
      const verdict = access(session, change.chat, now);
      if (verdict instanceof AppError || verdict === 'take-over') return undefined;
      const events = changeEventsFrom(change, from);
      return events === undefined ? undefined : { chat: withCurrentTyping(change.chat, now), events };
    },

    /**
     * Adds a line (sanitised when HTML) or ends the chat; returns the id of the event to locate. A
     * retry with the same Idempotency-Key answers as the first and changes nothing.
     */
    async post(
      session: AgentSession,
      chatId: string,
      posted: AgentPost,
      idempotencyKey?: string,
    ): Promise<AgentPostAnswer> {
      // Keys are the agent's in this chat, whichever of its sessions sends the retry.
      const keyed = keyedRequest(
        idempotencyKey,
        { accountId: session.accountId, scope: `agent:${session.userId}:${chatId}` },
        'agent-event',
        posted,
      );
      // The change below records lastUpdate itself: no separate write to touch the chat first.
      const { participant } = await seen(session, chatId, { touch: false });
      if (participant !== undefined) {
        if (posted.kind === 'end') throw new AppError(ErrorCode.FORBIDDEN, 'Only the agent holding the chat ends it');
        checkParticipantLine(participant, posted);
        const text = posted.textType === 'html' ? sanitizeHtml(posted.text) : posted.text;
        return writer.changeOnce(
          session.accountId,
          chatId,
          keyed,
          participantLineChange(session.id, { ...posted, text }),
          agentPostAnswer('line'),
        );
      }
      const user = await userOf(session);
      if (posted.kind === 'end') {
        const account = await requireAccount(store, session.accountId);
        const answer = await writer.changeOnce(
          session.accountId,
          chatId,
          keyed,
          actions.endChange(account, user),
          agentPostAnswer('end'),
        );
        await router.route(session.accountId);
        return answer;
      }
      // HTML from anyone is sanitised before it is stored or served (chat-agent-api §3.15).
      const text = posted.textType === 'html' ? sanitizeHtml(posted.text) : posted.text;
      return writer.changeOnce(
        session.accountId,
        chatId,
        keyed,
        actions.lineChange(user, text, posted.textType, {
          subType: posted.subType,
          ...(posted.json === undefined ? {} : { json: posted.json }),
          ...(posted.suggestedReply === undefined ? {} : { suggestedReply: posted.suggestedReply }),
        }),
        agentPostAnswer('line'),
      );
    },

    /** The agent's typing indicator (§3.20). */
    async setTyping(session: AgentSession, chatId: string, isTyping: boolean): Promise<void> {
      await held(session, chatId, { touch: false });
      await actions.setTyping(session.accountId, chatId, await userOf(session), isTyping);
    },

    /** Skills with an online agent other than this one, for a transfer (§3.22). */
    async transferSkills(session: AgentSession, chatId: string): Promise<{ skill: Skill; onlineAgents: number }[]> {
      await held(session, chatId);
      const [skills, users, sessions] = await Promise.all([
        store.skills.list(session.accountId),
        store.users.list(session.accountId),
        store.agentSessions.listLive(session.accountId),
      ]);
      const availabilities = availabilityByUser(sessions);
      const online = users.filter(
        (user) => user.id !== session.userId && user.enabled && availabilities.get(user.id) === 'Online',
      );
      return skills
        .filter((skill) => !skill.deleted)
        .map((skill) => ({ skill, onlineAgents: online.filter((user) => user.skillIds.includes(skill.id)).length }))
        .filter((entry) => entry.onlineAgents > 0);
    },

    /**
     * Transfers to an agent (wins when both are given) or a skill (§3.23): the note becomes an
     * agent-only line, system line 13 or 15 follows, the chat waits again and rings the target;
     * the transferring agent loses the chat.
     */
    async transfer(session: AgentSession, chatId: string, request: TransferRequest): Promise<void> {
      const { target: wanted, note } = request;
      await held(session, chatId);
      const user = await userOf(session);
      const account = await requireAccount(store, session.accountId);
      const live = await store.agentSessions.listLive(session.accountId);

      let target: { kind: 'agent'; user: User } | { kind: 'skill'; skill: Skill };
      if (wanted.kind === 'agent') {
        const { agentId } = wanted;
        const targetUser = /^\d+$/.test(agentId)
          ? await store.users.get(session.accountId, Number(agentId))
          : undefined;
        if (targetUser === undefined || !targetUser.enabled || targetUser.deleted)
          throw transferRefused(`Unknown agent ${agentId}`);
        if (targetUser.id === user.id) throw transferRefused('A chat cannot be transferred to the agent holding it');
        const availability = effectiveAvailability(live.filter((s) => s.userId === targetUser.id));
        if (availability === null || availability === 'Away')
          throw transferRefused(`Agent ${agentId} is not available`);
        target = { kind: 'agent', user: targetUser };
      } else {
        const { skillId } = wanted;
        const skill = /^\d+$/.test(skillId) ? await store.skills.get(session.accountId, Number(skillId)) : undefined;
        if (skill === undefined || skill.deleted) throw transferRefused(`Unknown skill ${skillId}`);
        const users = await store.users.list(session.accountId);
        const availabilities = availabilityByUser(live);
        const someone = users.some(
          (other) =>
            other.id !== user.id && other.skillIds.includes(skill.id) && availabilities.get(other.id) === 'Online',
        );
        if (!someone) throw transferRefused(`No agent with skill ${skill.name} is available`);
        target = { kind: 'skill', skill };
      }

      // Who of the participants stays, who joins: the new skill decides (docs/SHARED-CHATS.md).
      const participantsAfter = await sharing.prepareTransfer(
        account,
        target.kind === 'skill' ? target.skill.id : undefined,
      );
      await writer.change(session.accountId, chatId, (chat, now) => {
        if (chat.agentUserId !== user.id)
          throw new AppError(ErrorCode.FORBIDDEN, 'This chat is not held by this agent');
        if (chat.state !== ChatState.CHATTING)
          throw new AppError(ErrorCode.STATE_CONFLICT, 'Only a chat in progress can be transferred');
        const events = [];
        if (note.trim() !== '') {
          events.push({
            type: 'line' as const,
            time: now,
            textType: 'plain' as const,
            text: note,
            by: user.nickname || user.loginName,
            source: LineSource.AGENT,
            subType: SubType.ONLY_TO_REP,
          });
        }
        events.push(systemLine(account, target.kind === 'agent' ? 13 : 15, now), stateEvent(ChatState.WAITING, now));
        return participantsAfter(
          {
            chat: {
              ...requeuedChat(chat, now),
              targetUserId: target.kind === 'agent' ? target.user.id : null,
              ...(target.kind === 'skill'
                ? { skillId: target.skill.id, skillName: target.skill.name, requestedAgent: null }
                : {}),
            },
            events,
          },
          now,
        );
      });
      await router.route(session.accountId);
    },

    async survey(session: AgentSession, chatId: string): Promise<Survey> {
      await held(session, chatId);
      const account = await requireAccount(store, session.accountId);
      return configuredSurvey(account);
    },

    /** Keeps the agent survey's answers with the chat (§3.25), in any state. */
    async submitSurvey(session: AgentSession, chatId: string, submission: SurveySubmission): Promise<void> {
      await held(session, chatId);
      const account = await requireAccount(store, session.accountId);
      const answers = checkAnswers(submission, configuredSurvey(account), clock.now());
      await writer.change(session.accountId, chatId, (chat) => ({
        chat: { ...chat, agentSurvey: answers },
        events: [],
      }));
    },

    visit,

    /** The chat behind a visit and the visitor's earlier chats, for the visit's info (§3.26). */
    async visitInfo(session: AgentSession, visitId: string): Promise<{ chat: Chat; previousChats: Chat[] }> {
      const chat = await visit(session, visitId);
      return { chat, previousChats: await previousChats(chat) };
    },

    previousChats,

    /** Chats this session holds (the session resource with `cs=1`, §3.2). */
    sessionChats(session: AgentSession): Promise<Chat[]> {
      return store.chats.heldBySession(session.accountId, session.id);
    },

    /** Chats the agent holds through its other live sessions (continuity, §3.10). */
    async otherSessionsChats(session: AgentSession): Promise<Chat[]> {
      const chats = await store.chats.heldByUser(session.accountId, session.userId);
      return chats.filter((chat) => chat.agentSessionId !== session.id);
    },

    /** The authenticated visitor's data, for chats this agent holds (§3.12). */
    async participant(session: AgentSession, participantId: string): Promise<Record<string, unknown>> {
      const chats = await store.chats.heldByUser(session.accountId, session.userId);
      if (!chats.some((chat) => chat.echo.participantId === participantId))
        throw new AppError(ErrorCode.NOT_FOUND, 'Participant not found');
      const claims = await store.visitorIdentities.get(session.accountId, participantId);
      if (claims === undefined) throw new AppError(ErrorCode.NOT_FOUND, 'Participant not found');
      return claims;
    },
  };
}

export type AgentChats = ReturnType<typeof createAgentChats>;
