import { z } from 'zod';
import { DEFAULT_INTERACTION_TIMEOUT_SECONDS, type ChatRequest } from '../../core/chats/chat-request.js';
import type { ChatRequestEcho } from '../../core/chats/chat-model.js';
import type { CustomVariable } from '../../core/chats/visitor-chat.js';
import { AppError, ErrorCode } from '../../core/errors.js';
import { readSurveySubmission } from '../legacy/survey-submission.js';
import { wholeNumber } from '../legacy/whole-number.js';
import { isRecord } from '../legacy/wire.js';

const MAX_PRE_CHAT_LINES = 20;
const MAX_TEXT = 4_000;

const invalid = (field: string, message: string) => new AppError(ErrorCode.VALIDATION, message, { field });

/** A string field; numbers are accepted as their decimal text; '' counts as absent. */
function text(body: Record<string, unknown>, field: string, max = 1_000): string | undefined {
  const value = body[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') throw invalid(field, `${field} must be a string`);
  if (value.length > max) throw invalid(field, `${field} is longer than ${max} characters`);
  return value;
}

/** `{"line":[…]}`, `{"line":"one"}`, `{"lines":[…]}` or a bare array (server-chat §9 item 9). */
function preChatLines(value: unknown): string[] {
  if (value === undefined || value === null || value === '') return [];
  const list = Array.isArray(value) ? value : isRecord(value) ? (value.line ?? value.lines ?? []) : [value];
  const lines = (Array.isArray(list) ? list : [list]).filter((line) => line !== '' && line !== null);
  if (!lines.every((line): line is string => typeof line === 'string')) {
    throw invalid('preChatLines', 'preChatLines must hold strings');
  }
  if (lines.length > MAX_PRE_CHAT_LINES || lines.some((line) => line.length > MAX_TEXT)) {
    throw invalid('preChatLines', `at most ${MAX_PRE_CHAT_LINES} pre-chat lines of ${MAX_TEXT} characters`);
  }
  return lines;
}

/** `{"customVariable":[{"name":…,"value":…}]}`; entries without a name or a text value are skipped. */
function customVariables(value: unknown): CustomVariable[] {
  if (!isRecord(value)) return [];
  const list = value.customVariable;
  return (Array.isArray(list) ? list : [list]).flatMap((entry) =>
    isRecord(entry) &&
    typeof entry.name === 'string' &&
    (typeof entry.value === 'string' || typeof entry.value === 'number')
      ? [{ name: entry.name.slice(0, 200), value: String(entry.value).slice(0, MAX_TEXT) }]
      : [],
  );
}

/**
 * Reads a Start Chat body: parameters under `request` (or at the top level), unknown fields ignored,
 * empty strings absent; `maxWaitTime` 0–86400; `agent` alone; `serviceQueue` only with
 * `maxWaitTime` (server-chat §3.8, §9 item 23). Checked one field at a time, in this order, so the
 * first fault named is the one clients have always been told about.
 */
function readChatRequest(body: unknown): ChatRequest {
  const outer = isRecord(body) ? body : {};
  const request = isRecord(outer.request) ? outer.request : outer;
  if (body !== undefined && !isRecord(body)) throw invalid('request', 'The body must be {"request": {…}}');

  const skill = text(request, 'skill', 200);
  const serviceQueue = text(request, 'serviceQueue', 200);
  const agent = text(request, 'agent', 200);
  const maxWaitTime = wholeNumber(request.maxWaitTime, 'maxWaitTime', 0, 86_400);
  if (agent !== undefined && (skill !== undefined || serviceQueue !== undefined || maxWaitTime !== undefined)) {
    throw invalid('agent', 'agent cannot be combined with skill, serviceQueue or maxWaitTime');
  }
  if (serviceQueue !== undefined && maxWaitTime === undefined) {
    throw invalid('serviceQueue', 'serviceQueue must come with maxWaitTime');
  }
  const skillId = wholeNumber(request.skillId, 'skillId', -1, Number.MAX_SAFE_INTEGER);
  const visitorId = wholeNumber(request.visitorId, 'visitorId', 1, Number.MAX_SAFE_INTEGER);
  const interactionTimeout =
    wholeNumber(request.interactionTimeout, 'interactionTimeout', 1, 86_400) ?? DEFAULT_INTERACTION_TIMEOUT_SECONDS;

  const echo: ChatRequestEcho = {};
  for (const field of [
    'LETagVisitorId',
    'LETagSessionId',
    'LETagContextId',
    'engagementId',
    'campaignId',
    'language',
    'participantId',
    'conversationId',
  ] as const) {
    const value = text(request, field, 200);
    if (value !== undefined) echo[field] = value;
  }

  const optional = <K extends string, V>(key: K, value: V | undefined) => (value === undefined ? {} : { [key]: value });
  return {
    ...optional('skill', skill ?? (serviceQueue !== undefined ? serviceQueue : undefined)),
    ...optional('skillId', skillId === -1 ? undefined : skillId),
    ...optional('serviceQueue', serviceQueue),
    ...optional('maxWaitTime', maxWaitTime),
    ...optional('agent', agent),
    ...optional('visitorIp', text(request, 'visitorIp', 100)),
    // The docs spell it chatRefferer on one page (server-chat §3.6).
    ...optional(
      'referrer',
      text(request, 'chatReferrer', 2_000) ?? text(request, 'chatRefferer', 2_000) ?? text(request, 'referrer', 2_000),
    ),
    ...optional('userAgent', text(request, 'userAgent', 1_000)),
    ...optional('visitorId', visitorId),
    ...optional('visitorSessionId', text(request, 'visitorSessionId', 200)),
    // Its answers are read as the pre-chat survey's own submission (`{"survey": …}`).
    ...optional('survey', request.survey === undefined ? undefined : readSurveySubmission({ survey: request.survey })),
    preChatLines: preChatLines(request.preChatLines),
    interactionTimeout,
    echo,
    customVariables: customVariables(request.customVariables),
  };
}

/** The Start Chat body (server-chat §3.8). */
export const chatRequestBody = z.unknown().transform(readChatRequest);
