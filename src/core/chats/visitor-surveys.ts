import { AppError, ErrorCode } from '../errors.js';
import type { Account } from '../model.js';
import type { Clock, Random, Store } from '../ports.js';
import { requireAccount } from '../accounts/require-account.js';
import { randomHex } from '../tokens.js';
import { checkAnswers, normalizeSurvey, type Survey, type SurveySubmission } from '../surveys/surveys.js';
import { surveyToCheck, surveyToShow, type SkillSurveyKind, type SurveyChoice } from '../surveys/choose-survey.js';
import type { ChatWriter } from './chat-writer.js';
import type { VisitorChat } from './visitor-chat.js';
import type { VisitorOrigin } from './start-chat.js';

/** An offline message as the transport read it (server-chat §3.6, §9 item 12). */
export interface OfflineSubmission {
  answers: SurveySubmission;
  /** The skill the visitor asked for, if the body named one. */
  skill?: string;
  /** The visitor as the body describes it; the request's own address and agent stand in. */
  visitorIp?: string;
  userAgent?: string;
  referrer?: string;
  /** The visit's context (`LETag*`, `visitorSessionId`, `visitorId`), kept as given. */
  context: Record<string, string>;
}

/**
 * What a survey GET says about the survey it wants (server-chat §3.4, §3.5, §3.16): `surveyApiId`,
 * and the visitor's skill by name (`skill`) or by id (the SDK's `engSkillId`).
 */
export interface SurveyQuery {
  surveyApiId?: string;
  skill?: string;
  skillId?: number;
}

/**
 * The visitor's surveys (server-chat §3.4–3.6, §3.16–3.17, §5): pre-chat and offline structures,
 * offline messages (kept, listed by `parley offline list`), and the exit survey of a chat (kept
 * with the chat). No survey configured: 404 / 42 (§9 item 13).
 */
export function createVisitorSurveys(deps: {
  store: Store;
  clock: Clock;
  random: Random;
  writer: ChatWriter;
  visitorChat: VisitorChat;
}) {
  const { store, clock, random, writer, visitorChat } = deps;

  const LABELS: Record<SkillSurveyKind, string> = { preChat: 'pre-chat', offline: 'offline', exit: 'exit' };

  /** The id of a live skill named or numbered by the visitor; unknown ones are ignored (§3.8). */
  const skillIdOf = async (accountId: string, name: string | undefined, id: number | undefined) => {
    const skill =
      name !== undefined && name.trim() !== ''
        ? await store.skills.findByName(accountId, name.trim())
        : id !== undefined
          ? await store.skills.get(accountId, id)
          : undefined;
    return skill === undefined || skill.deleted ? null : skill.id;
  };

  /** The survey to show; none configured (or no survey with the asked id): 404 / 42 (§9 item 13). */
  const toShow = (account: Account, kind: SkillSurveyKind, choice: SurveyChoice): Survey => {
    const definition = surveyToShow(account.surveys, kind, choice);
    if (definition === undefined) {
      const which = choice.surveyId === undefined || choice.surveyId === null ? '' : ` with id ${choice.surveyId}`;
      throw new AppError(ErrorCode.NOT_FOUND, `No ${LABELS[kind]} survey${which} is configured`);
    }
    return normalizeSurvey(definition);
  };

  /** The survey a submission is checked against; none configured: 404 / 42. */
  const toCheck = (account: Account, kind: SkillSurveyKind, choice: SurveyChoice): Survey => {
    const definition = surveyToCheck(account.surveys, kind, choice);
    if (definition === undefined) throw new AppError(ErrorCode.NOT_FOUND, `No ${LABELS[kind]} survey is configured`);
    return normalizeSurvey(definition);
  };

  const show = async (accountId: string, kind: SkillSurveyKind, query: SurveyQuery): Promise<Survey> => {
    const account = await requireAccount(store, accountId);
    // An API id names the survey itself: the skill is not looked up then.
    if (query.surveyApiId !== undefined) return toShow(account, kind, { surveyId: query.surveyApiId });
    return toShow(account, kind, { skillId: await skillIdOf(accountId, query.skill, query.skillId) });
  };

  return {
    /** The pre-chat survey: by `surveyApiId`, else the skill's, else the account's (§3.4). */
    async preChat(accountId: string, query: SurveyQuery = {}): Promise<Survey> {
      return show(accountId, 'preChat', query);
    },

    /** The offline survey: by `surveyApiId`, else the skill's, else the account's (§3.5). */
    async offline(accountId: string, query: SurveyQuery = {}): Promise<Survey> {
      return show(accountId, 'offline', query);
    },

    /** Keeps an offline message; answers are validated like every survey. */
    async submitOffline(accountId: string, submission: OfflineSubmission, origin: VisitorOrigin): Promise<string> {
      const account = await requireAccount(store, accountId);
      const survey = toCheck(account, 'offline', {
        surveyId: submission.answers.surveyId,
        skillId: await skillIdOf(accountId, submission.skill, undefined),
      });
      const now = clock.now();
      const answers = checkAnswers(submission.answers, survey, now);
      const id = randomHex(random, 12);
      await store.offlineMessages.save({
        accountId,
        id,
        skill: submission.skill ?? null,
        survey: answers,
        visitor: {
          visitorIp: submission.visitorIp ?? origin.ip,
          userAgent: submission.userAgent ?? origin.userAgent,
          referrer: submission.referrer ?? '',
        },
        context: submission.context,
        createdAt: now,
      });
      return id;
    },

    /** Offline messages of the account, newest first (`parley offline list`). */
    async listOffline(accountId: string, limit: number) {
      await requireAccount(store, accountId);
      return store.offlineMessages.list(accountId, limit);
    },

    /**
     * The exit survey of a chat: by `surveyApiId`, else the survey of the chat's skill, else of the
     * skill the visitor names (the SDK's `engSkillId`, for a chat never routed), else the account's.
     */
    async exit(accountId: string, chatId: string, query: SurveyQuery = {}): Promise<Survey> {
      const { account, chat } = await visitorChat.touch(accountId, chatId);
      if (query.surveyApiId !== undefined) return toShow(account, 'exit', { surveyId: query.surveyApiId });
      const skillId = chat.skillId ?? (await skillIdOf(accountId, query.skill, query.skillId));
      return toShow(account, 'exit', { skillId });
    },

    /** Keeps the exit survey's answers with the chat; allowed in any state (§3.17). */
    async submitExit(accountId: string, chatId: string, submission: SurveySubmission): Promise<void> {
      const { account, chat } = await visitorChat.touch(accountId, chatId);
      const survey = toCheck(account, 'exit', { surveyId: submission.surveyId, skillId: chat.skillId });
      const answers = checkAnswers(submission, survey, clock.now());
      await writer.change(accountId, chatId, (chat, now) => ({
        chat: { ...chat, exitSurvey: answers, lastUpdate: now },
        events: [],
      }));
    },
  };
}

export type VisitorSurveys = ReturnType<typeof createVisitorSurveys>;
