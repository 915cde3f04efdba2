import { ChatError, ErrorCode } from '../errors.js';
import type { Account, SurveyDefinition } from '../model.js';
import type { Clock, Random, Store } from '../ports.js';
import { requireAccount } from '../accounts/require-account.js';
import { randomHex } from '../tokens.js';
import { normalizeSurvey, parseSubmission, type Survey } from '../surveys/surveys.js';
import type { ChatWriter } from './chat-writer.js';
import type { VisitorChat } from './visitor-chat.js';
import type { VisitorOrigin } from './start-chat.js';
import { isRecord } from '../guards.js';

/** Context fields of an offline submission, looked for inside `survey` and at the top (§3.6, §9 item 12). */
const OFFLINE_CONTEXT_FIELDS = ['LETagVisitorId', 'LETagSessionId', 'LETagContextId', 'visitorSessionId', 'visitorId'];

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
    if (definition === undefined) throw new ChatError(ErrorCode.NOT_FOUND, `No ${label} survey is configured`);
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
    async submitOffline(accountId: string, body: unknown, origin: VisitorOrigin): Promise<string> {
      const account = await requireAccount(store, accountId);
      const survey = configured(account, 'offline', 'offline');
      const now = clock.now();
      const answers = parseSubmission(body, survey, now);
      const top = isRecord(body) ? body : {};
      const inner = isRecord(top.survey) ? top.survey : {};
      const field = (name: string): string | undefined => {
        const value = inner[name] ?? top[name];
        return typeof value === 'string' || typeof value === 'number' ? String(value).slice(0, 2_000) : undefined;
      };
      const context = Object.fromEntries(
        OFFLINE_CONTEXT_FIELDS.flatMap((name) => {
          const value = field(name);
          return value === undefined ? [] : [[name, value]];
        }),
      );
      const id = randomHex(random, 12);
      await store.offlineMessages.save({
        accountId,
        id,
        skill: field('skill') ?? null,
        survey: answers,
        visitor: {
          visitorIp: field('visitorIp') ?? origin.ip,
          userAgent: field('userAgent') ?? origin.userAgent,
          referrer: field('chatReferrer') ?? field('chatRefferer') ?? field('referrer') ?? '',
        },
        context,
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
    async submitExit(accountId: string, chatId: string, body: unknown): Promise<void> {
      const { account } = await visitorChat.touch(accountId, chatId);
      const survey = configured(account, 'exit', 'exit');
      const answers = parseSubmission(body, survey, clock.now());
      await writer.change(accountId, chatId, (chat, now) => ({
        chat: { ...chat, exitSurvey: answers, lastUpdate: now },
        events: [],
      }));
    },
  };
}

export type VisitorSurveys = ReturnType<typeof createVisitorSurveys>;
