import { asNumber, asText, isRecord, member, type JsonRecord } from './json.js';

/** A chat's information resource (chat-agent-api §3.17, server-chat §3.12), typed. */
export interface ChatInfo {
  /** The chat id (`chatSessionKey`). */
  chatId: string;
  state: 'waiting' | 'chatting' | 'ended' | (string & Record<never, never>);
  skillName: string | undefined;
  skillId: number | undefined;
  /** The agent's nickname, once an agent accepted. */
  agentName: string | undefined;
  agentId: number | undefined;
  visitorName: string;
  visitorId: number | undefined;
  startTime: string | undefined;
  lastUpdate: string | undefined;
  /** Seconds without a visitor request after which the chat times out. */
  chatTimeout: number | undefined;
  isAgentTyping: boolean;
  isVisitorTyping: boolean;
  /** The `info` object as the server sent it, every field included. */
  raw: JsonRecord;
}

/** An `{"info": …}` body as ChatInfo. */
export function parseChatInfo(body: unknown): ChatInfo {
  const info = member(body, 'info');
  const raw = isRecord(info) ? info : {};
  const text = (key: string) => asText(raw[key]);
  const number = (key: string) => asNumber(raw[key]);
  return {
    chatId: text('chatSessionKey') ?? '',
    state: text('state') ?? '',
    skillName: text('skillName'),
    skillId: number('skillId'),
    agentName: text('agentName'),
    agentId: number('agentId'),
    visitorName: text('visitorName') ?? '',
    visitorId: number('visitorId'),
    startTime: text('startTime'),
    lastUpdate: text('lastUpdate'),
    chatTimeout: number('chatTimeout'),
    isAgentTyping: raw.agentTyping === 'typing',
    isVisitorTyping: raw.visitorTyping === 'typing',
    raw,
  };
}

/** `{"visitorName": …}` → the name. */
export const parseVisitorName = (body: unknown): string => asText(member(body, 'visitorName')) ?? '';
