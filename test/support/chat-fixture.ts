import type { Chat } from '../../src/core/chats/chat-model.js';

/** When the sample chat started: 2024-05-01T12:00:00Z. */
export const SAMPLE_CHAT_START = Date.UTC(2024, 4, 1, 12, 0, 0);
const SECOND = 1000;

/** A complete chat record (Bob with Alice, ended), for tests of the core's pure parts. */
export function sampleChat(overrides: Partial<Chat> = {}): Chat {
  return {
    accountId: '12345678',
    id: 'H1234567890123456789-0123456789abcdef0123456789abcdefK1234567',
    visitorId: 1,
    rtSessionId: 2,
    state: 'ended',
    skillId: null,
    skillName: null,
    requestedAgent: null,
    agentUserId: 7,
    agentName: 'Bob',
    visitorName: 'Alice',
    visitorTyping: false,
    agentTyping: false,
    interactionTimeoutSeconds: 600,
    maxWaitTimeSeconds: null,
    echo: {},
    visitor: { visitorIp: '127.0.0.1', userAgent: 'test', referrer: '' },
    preChatLines: [],
    preChatSurvey: null,
    exitSurvey: null,
    customVariables: [],
    startTime: SAMPLE_CHAT_START,
    lastUpdate: SAMPLE_CHAT_START,
    queuedAt: SAMPLE_CHAT_START,
    acceptedAt: SAMPLE_CHAT_START + 5 * SECOND,
    endedAt: SAMPLE_CHAT_START + 60 * SECOND,
    idleDueAt: null,
    waitDueAt: null,
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
    ...overrides,
  };
}
