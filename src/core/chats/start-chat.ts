import { AppError, ErrorCode } from '../errors.js';
import type { Account } from '../model.js';
import type { Clock, Random, Store } from '../ports.js';
import { requireAccount } from '../accounts/require-account.js';
import { checkAnswers, normalizeSurvey, type SurveySubmission } from '../surveys/surveys.js';
import { surveyToCheck } from '../surveys/choose-survey.js';
import type { Capacity } from './capacity.js';
import { newChatId, newRtSessionId, newVisitorId } from './chat-ids.js';
import { preChatEcho, stateEvent, systemLine, endedChat } from './chat-events.js';
import { ChatState, type Chat, type NewChatEvent, type SurveyAnswers } from './chat-model.js';
import type { ChatRequest } from './chat-request.js';
import { keyedRequest, onceMore, recordAnswer, recordedAnswer, type KeyedRequest } from '../idempotency.js';
import type { ChatChange, ChatWriter } from './chat-writer.js';
import type { VisitorAuthentication } from './visitor-authentication.js';

export interface VisitorOrigin {
  /** The address the request came from (the proxy's X-Forwarded-For when trusted). */
  ip: string;
  userAgent: string;
}

/**
 * Start Chat (server-chat §3.8, §4.4): checks the request, refuses blocked visitors (403 / 43),
 * validates the pre-chat survey, and stores the chat in state `waiting` with its first events —
 * `waiting`, system line 4, the pre-chat line echoes — in its skill's queue. With `maxWaitTime=0`
 * and nobody free it ends at once with system line 2.
 */
export function createStartChat(deps: {
  store: Store;
  clock: Clock;
  random: Random;
  capacity: Capacity;
  writer: ChatWriter;
  visitorAuthentication: VisitorAuthentication;
  /** Rings an agent for the new chat; awaited so that the ring exists when the 201 goes out. */
  route: (accountId: string) => Promise<void>;
  /** Adds the sessions that listen to the chat's skill automatically (docs/SHARED-CHATS.md). */
  joinAtStart: (accountId: string, change: ChatChange, now: number) => Promise<ChatChange>;
}) {
  const { store, clock, random, capacity, writer, visitorAuthentication, route, joinAtStart } = deps;

  function preChatAnswers(
    account: Account,
    survey: SurveySubmission | undefined,
    skillId: number | null,
    now: number,
  ): SurveyAnswers | null {
    if (survey === undefined) return null;
    // The survey the answers name, else the skill's, else the account's (server-chat §3.4).
    const definition = surveyToCheck(account.surveys, 'preChat', { surveyId: survey.surveyId, skillId });
    if (definition === undefined) return null;
    return checkAnswers(survey, normalizeSurvey(definition), now);
  }

  async function resolveSkill(account: Account, name: string | undefined, id: number | undefined) {
    // Unknown or absent skill: the default queue, never a failure (server-chat §3.8).
    const skill =
      name !== undefined
        ? await store.skills.findByName(account.id, name)
        : id !== undefined
          ? await store.skills.get(account.id, id)
          : undefined;
    return skill === undefined || skill.deleted ? null : skill;
  }

  return {
    /**
     * Starts a chat. A retry with the same Idempotency-Key from the same address answers the chat
     * the first request started; the key is recorded in the transaction that stores the chat.
     */
    async start(
      accountId: string,
      request: ChatRequest,
      origin: VisitorOrigin,
      idempotencyKey?: string,
    ): Promise<Chat> {
      // Every visitor of a site shares its app key: the address tells them apart (as for rate budgets).
      const keyed = keyedRequest(idempotencyKey, { accountId, scope: `chat-request:${origin.ip}` }, 'chat-request', {
        request,
        userAgent: origin.userAgent,
      });
      if (keyed === undefined) return startNew(accountId, request, origin, undefined);
      return onceMore(async () => {
        const recorded = await recordedAnswer(store, keyed, clock.now());
        if (recorded === undefined) return startNew(accountId, request, origin, keyed);
        const chat = await store.chats.get(accountId, recorded);
        if (chat === undefined) throw new AppError(ErrorCode.NOT_FOUND, 'Chat not found');
        return chat;
      });
    },
  };

  async function startNew(
    accountId: string,
    request: ChatRequest,
    origin: VisitorOrigin,
    keyed: KeyedRequest | undefined,
  ): Promise<Chat> {
    const account = await requireAccount(store, accountId);
    const visitorIp = request.visitorIp ?? origin.ip;
    if (account.settings.blockedIps.includes(visitorIp) || account.settings.blockedIps.includes(origin.ip)) {
      throw new AppError(ErrorCode.FORBIDDEN, 'This visitor may not start a chat');
    }
    visitorAuthentication.checkChatRequest(account, request.echo.participantId, request.echo.conversationId);
    const now = clock.now();
    const skill = await resolveSkill(account, request.skill, request.skillId);
    const preChatSurvey = preChatAnswers(account, request.survey, skill?.id ?? null, now);
    if (request.agent !== undefined && (await store.users.findByLoginName(account.id, request.agent)) === undefined) {
      throw new AppError(ErrorCode.VALIDATION, `Unknown agent: ${request.agent.slice(0, 80)}`, { field: 'agent' });
    }

    const chat: Chat = {
      accountId: account.id,
      id: newChatId(random),
      visitorId: request.visitorId ?? newVisitorId(random),
      rtSessionId: newRtSessionId(random),
      state: ChatState.WAITING,
      skillId: skill?.id ?? null,
      skillName: skill?.name ?? null,
      requestedAgent: request.agent ?? null,
      agentUserId: null,
      agentName: null,
      visitorName: null,
      visitorTyping: false,
      agentTyping: false,
      interactionTimeoutSeconds: request.interactionTimeout,
      maxWaitTimeSeconds: request.maxWaitTime ?? null,
      echo: request.echo,
      visitor: {
        visitorIp,
        userAgent: request.userAgent ?? origin.userAgent,
        referrer: request.referrer ?? '',
        ...(request.visitorSessionId === undefined ? {} : { visitorSessionId: request.visitorSessionId }),
      },
      preChatLines: request.preChatLines,
      preChatSurvey,
      exitSurvey: null,
      customVariables: request.customVariables,
      startTime: now,
      lastUpdate: now,
      queuedAt: now,
      acceptedAt: null,
      endedAt: null,
      idleDueAt: now + request.interactionTimeout * 1000,
      waitDueAt: request.maxWaitTime === undefined ? null : now + request.maxWaitTime * 1000,
      retainUntil: null,
      nextEventId: 0,
      ringingUserId: null,
      ringDueAt: null,
      targetUserId: null,
      agentSessionId: null,
      agentSurvey: null,
      participants: [],
      invitations: [],
      lastLineAt: null,
    };

    const events: NewChatEvent[] = [stateEvent(ChatState.WAITING, now), systemLine(account, 4, now)];
    if (account.settings.preChatLineEcho) events.push(...request.preChatLines.map((text) => preChatEcho(text, now)));

    let stored = chat;
    let ended = false;
    if (request.maxWaitTime === 0) {
      const audience =
        request.agent !== undefined
          ? { kind: 'agent' as const, loginName: request.agent }
          : { kind: 'skill' as const, skillId: chat.skillId };
      if (!(await capacity.isAvailable(account, audience, 0))) {
        // Nobody can take it now and the visitor will not wait (server-chat §4.4).
        events.push(systemLine(account, 2, now), stateEvent(ChatState.ENDED, now));
        stored = endedChat(chat, account, now);
        ended = true;
      }
    }
    const first = ended ? { chat: stored, events } : await joinAtStart(account.id, { chat: stored, events }, now);
    // The chat, its first events and the key's answer commit together, or none of them does.
    const created = await store.transaction(async (tx) => {
      const change = await writer.createWithin(tx, first.chat, first.events);
      if (keyed !== undefined) await recordAnswer(tx, keyed, change.chat.id, now);
      return change;
    });
    if (created.chat.state === ChatState.WAITING) await route(account.id);
    return created.chat;
  }
}
