import { AppError, ErrorCode } from '../errors.js';
import type { Account, SurveyDefinition } from '../model.js';
import type { Clock, Random, Store } from '../ports.js';
import { requireAccount } from '../accounts/require-account.js';
import { randomHex } from '../tokens.js';
import { checkAnswers, normalizeSurvey, type Survey, type SurveySubmission } from '../surveys/surveys.js';
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

  const configured = (account: Account, kind: 'preChat' | 'offline' | 'exit', label: string): Survey => {
    const definition: SurveyDefinition | undefined = account.surveys[kind];
    if (definition === undefined) throw new AppError(ErrorCode.NOT_FOUND, `No ${label} survey is configured`);
    return normalizeSurvey(definition);
  };

  return {
    async preChat(accountId: string): Promise<Survey> {
      return configured(await requireAccount(store, accountId), 'preChat', 'pre-chat');
    },

    async offline(accountId: string): Promise<Survey> {
      return configured(await requireAccount(store, accountId), 'offline', 'offline');
    },

    /** Keeps an offline message; answers are validated like every survey. */
    async submitOffline(accountId: string, submission: OfflineSubmission, origin: VisitorOrigin): Promise<string> {
      const account = await requireAccount(store, accountId);
      const survey = configured(account, 'offline', 'offline');
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

    async exit(accountId: string, chatId: string): Promise<Survey> {
      const { account } = await visitorChat.touch(accountId, chatId);
      return configured(account, 'exit', 'exit');
    },

    /** Keeps the exit survey's answers with the chat; allowed in any state (§3.17). */
    async submitExit(accountId: string, chatId: string, submission: SurveySubmission): Promise<void> {
      const { account } = await visitorChat.touch(accountId, chatId);
      const survey = configured(account, 'exit', 'exit');
      const answers = checkAnswers(submission, survey, clock.now());
      await writer.change(accountId, chatId, (chat, now) => ({
        chat: { ...chat, exitSurvey: answers, lastUpdate: now },
        events: [],
      }));
    },
  };
}

export type VisitorSurveys = ReturnType<typeof createVisitorSurveys>;
