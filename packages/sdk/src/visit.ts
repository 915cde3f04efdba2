import { asBoolean, asNumber, asText, listOf, member, type JsonRecord, isRecord } from './json.js';

/** One of the visitor's earlier chats with the account (Parley's `previousChats`). */
export interface PreviousChat {
  chatId: string;
  state: string;
  startTime: string | undefined;
  endTime: string | undefined;
  skillName: string | undefined;
  agentName: string | undefined;
}

/** What the server knows about the visitor behind a chat (chat-agent-api §3.26, visit info). */
export interface VisitInfo {
  visitorId: number | undefined;
  isInCurrentChat: boolean;
  /** The visitor's address as the server saw it (or as the chat request said). */
  ip: string | undefined;
  userAgent: string | undefined;
  referrer: string | undefined;
  visitorName: string | undefined;
  /** The pre-chat survey's answers: question label and answer (Parley's `surveyInfo`). */
  preChatSurvey: { question: string; answer: string }[];
  /** The visitor's earlier chats, newest first (Parley's `previousChats`; empty elsewhere). */
  previousChats: PreviousChat[];
  /** The `visitInfo` object as the server sent it. */
  raw: JsonRecord;
}

/** `{"info": [{"@name": …, "$": …}]}` → pairs in order. */
const pairsOf = (section: unknown): [string, string][] =>
  listOf(member(section, 'info')).flatMap((entry) => {
    const name = asText(member(entry, '@name'));
    return name === undefined ? [] : [[name, asText(member(entry, '$')) ?? '']];
  });

/** A `{"visitInfo": …}` body as VisitInfo. */
export function parseVisitInfo(body: unknown): VisitInfo {
  const info = member(body, 'visitInfo');
  const raw = isRecord(info) ? info : {};
  const values = new Map([...pairsOf(raw.sessionInfo), ...pairsOf(raw.visitorInfo)]);
  return {
    visitorId: asNumber(raw.visitorId),
    isInCurrentChat: asBoolean(raw.isInCurrentChat) === true,
    ip: values.get('ip'),
    userAgent: values.get('userAgent'),
    referrer: values.get('referrer'),
    visitorName: values.get('visitorName'),
    preChatSurvey: pairsOf(raw.surveyInfo).map(([question, answer]) => ({ question, answer })),
    previousChats: listOf(member(raw.previousChats, 'chat')).flatMap((chat) => {
      const chatId = asText(member(chat, '@id'));
      if (chatId === undefined) return [];
      return [
        {
          chatId,
          state: asText(member(chat, 'state')) ?? '',
          startTime: asText(member(chat, 'startTime')),
          endTime: asText(member(chat, 'endTime')),
          skillName: asText(member(chat, 'skillName')),
          agentName: asText(member(chat, 'agentName')),
        },
      ];
    }),
    raw,
  };
}

/** The visit id of a chat: its id without the middle part, `H…K…` (chat-agent-api §1.9). */
export const visitIdOf = (chatId: string): string => chatId.replace(/-[0-9a-f]+(?=K)/, '');
