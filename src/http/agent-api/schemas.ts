import { z } from 'zod';
import type { AgentPost, TransferRequest } from '../../core/agents/agent-chats.js';
import { Availability, SubType } from '../../core/chats/chat-model.js';
import { checkStructuredContent, describeRefusal } from '../../core/chats/structured-content.js';
import { parseLeadingDigits } from '../legacy/lenient-query.js';
import { wholeNumber } from '../legacy/whole-number.js';
import { attribute, isRecord } from '../legacy/wire.js';

/**
 * Bodies and queries of the Chat Agent API, read at the edge (docs/ARCHITECTURE.md, "Input at the
 * edge") after the legacy layer has turned XML into JSON. Messages are the ones clients have always
 * been told; a missing wrapper reads as empty, so its field is named as the one at fault.
 */

/** Anything but an object (an absent body, a string, an array) reads as `{}`. */
const lenientObject = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (isRecord(value) ? value : {}), schema);

/** A query parameter as the lenient query parser gives it: a non-empty string, or absent. */
const queryText = z
  .unknown()
  .optional()
  .transform((value) => (typeof value === 'string' && value !== '' ? value : undefined));

/** A whole number given as digits, within bounds (`maxWaitTime=…`). */
const wholeNumberQuery = (field: string, min: number, max: number) =>
  queryText.transform((value) => wholeNumber(value, field, min, max));

/** The longest line an agent may post, and the longest transfer note kept. */
const MAX_LINE = 30_000;

// ---- Session (§3.2) ----

/** `cs=1` lists the session's chats too. */
export const sessionQuery = lenientObject(
  z.object({ cs: z.unknown().optional() }).transform((query) => ({ withChats: query.cs === '1' })),
);

/**
 * A Parley extension of POST agentSession (docs/LEGACY-QUIRKS.md): `presence=connection` in the
 * query (or `"presence": "connection"` in the body) starts a connection-bound session; absent, the
 * session lives by its requests as ever.
 */
const PRESENCE_INVALID = 'presence must be "connection"';
const presenceValue = z
  .unknown()
  .optional()
  .refine((value) => value === undefined || value === '' || value === 'connection', { error: PRESENCE_INVALID })
  .transform((value) => value === 'connection');
export const sessionStartQuery = lenientObject(z.object({ presence: presenceValue }));
export const sessionStartBody = lenientObject(z.object({ presence: presenceValue }));

// ---- Availability (§3.4) ----

const AVAILABILITY_BY_NAME = new Map(Object.values(Availability).map((value) => [value.toLowerCase(), value]));
const AVAILABILITY_INVALID = 'availability.chat must be Online, Away or Occupied';
const REASON_INVALID = 'availability.chatReasonId must be an id of at most 64 characters';

/**
 * An availability reason's id: a string, or a number as some clients send ids (platform §1.4);
 * null, absent or empty is none. Reasons are configured elsewhere in LivePerson, so any id is kept.
 */
const chatReasonId = z
  .union([z.string(), z.number(), z.null()], { error: REASON_INVALID })
  .optional()
  .transform((value, ctx) => {
    const text = value === null || value === undefined ? '' : String(value).trim();
    if (text.length > 64) {
      ctx.addIssue({ code: 'custom', message: REASON_INVALID });
      return z.NEVER;
    }
    return text === '' ? null : text;
  });

/**
 * `{"availability": {"chat": …, "chatReasonId": …}}`: `Online`, `Away` or `Occupied`, matched
 * case-insensitively, and an optional reason.
 */
export const availabilityBody = lenientObject(
  z.object({
    availability: lenientObject(
      z.object({
        chat: z.string({ error: AVAILABILITY_INVALID }).transform((value, ctx) => {
          const found = AVAILABILITY_BY_NAME.get(value.trim().toLowerCase());
          if (found === undefined) {
            ctx.addIssue({ code: 'custom', message: AVAILABILITY_INVALID });
            return z.NEVER;
          }
          return found;
        }),
        chatReasonId,
      }),
    ),
  }),
).transform((body) => body.availability);

// ---- Available agents and slots (§3.5–3.6) ----

export const availableAgentsQuery = lenientObject(
  z.object({ skill: queryText, chatState: queryText, voiceState: queryText, chatReasonId: queryText }),
);

/** One agent by login name, or a skill (with the wait it would accept): never both. */
export const availableSlotsQuery = lenientObject(
  z.object({ agent: queryText, skill: queryText, maxWaitTime: wholeNumberQuery('maxWaitTime', 0, 86_400) }),
).superRefine((query, ctx) => {
  if (query.agent !== undefined && (query.skill !== undefined || query.maxWaitTime !== undefined)) {
    ctx.addIssue({ code: 'custom', message: 'agent cannot be combined with skill or maxWaitTime', path: ['agent'] });
  }
});

// ---- Several chats at once (§3.11) ----

/**
 * `chatSessionKeys=a,b` with `fromEventIds=3,0` in the same order: a missing or empty position
 * reads from 0, and a position is read by its leading digits.
 */
export const chatsQuery = lenientObject(
  z.object({ chatSessionKeys: z.unknown().optional(), fromEventIds: z.unknown().optional() }),
).transform((query, ctx) => {
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  const keys = text(query.chatSessionKeys)
    .split(',')
    .map((key) => key.trim())
    .filter(Boolean);
  if (keys.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'chatSessionKeys is required', path: ['chatSessionKeys'] });
    return z.NEVER;
  }
  const froms = text(query.fromEventIds).split(',');
  const reads = [];
  for (const [index, chatId] of keys.entries()) {
    const raw = froms[index]?.trim();
    const from = raw === undefined || raw === '' ? 0 : parseLeadingDigits(raw);
    if (from === undefined) {
      ctx.addIssue({ code: 'custom', message: 'fromEventIds must be numbers', path: ['fromEventIds'] });
      return z.NEVER;
    }
    reads.push({ chatId, from });
  }
  return reads;
});

// ---- Events of a chat (§3.15–3.16) ----

const lineEvent = z
  .object({
    '@type': z.literal('line'),
    textType: z
      .enum(['plain', 'html', 'rich-content'], { error: 'textType must be plain, html or rich-content' })
      .nullish()
      .transform((value) => value ?? 'plain'),
    subType: z
      .enum([SubType.REGULAR, SubType.ONLY_TO_REP], { error: 'subType must be REGULAR or ONLY_TO_REP' })
      .nullish()
      .transform((value) => value ?? SubType.REGULAR),
    text: z.unknown().optional(),
    json: z.unknown().optional(),
    // A Parley addition: an agent-only tip carrying a reply the holder may take (docs/SHARED-CHATS.md).
    suggestedReply: z
      .string({ error: 'suggestedReply must be a text' })
      .max(MAX_LINE, { error: `suggestedReply has at most ${MAX_LINE} characters` })
      .optional(),
  })
  .transform((event, ctx): AgentPost => {
    const { textType, subType } = event;
    if (event.suggestedReply !== undefined && subType !== SubType.ONLY_TO_REP) {
      ctx.addIssue({
        code: 'custom',
        message: 'suggestedReply goes only on an agent-only line (subType ONLY_TO_REP)',
        path: ['suggestedReply'],
      });
      return z.NEVER;
    }
    const suggestion = event.suggestedReply === undefined ? {} : { suggestedReply: event.suggestedReply };
    if (textType === 'rich-content') {
      if (!isRecord(event.json)) {
        ctx.addIssue({ code: 'custom', message: 'A rich-content line needs a json object', path: ['json'] });
        return z.NEVER;
      }
      // Both chat windows draw the template: it is checked before it is stored (docs/LEGACY-QUIRKS.md).
      const checked = checkStructuredContent(event.json);
      if (!checked.ok) {
        ctx.addIssue({ code: 'custom', message: describeRefusal(checked), path: ['json'] });
        return z.NEVER;
      }
      // The text is optional or a placeholder for structured content (chat-agent-api §6 item 38).
      const text = typeof event.text === 'string' ? event.text : '';
      return { kind: 'line', text, textType, subType, json: checked.content, ...suggestion };
    }
    if (typeof event.text !== 'string') {
      ctx.addIssue({ code: 'custom', message: 'A line needs a text', path: ['text'] });
      return z.NEVER;
    }
    if (event.text.length > MAX_LINE) {
      ctx.addIssue({ code: 'custom', message: `A line has at most ${MAX_LINE} characters`, path: ['text'] });
      return z.NEVER;
    }
    return { kind: 'line', text: event.text, textType, subType, ...suggestion };
  });

const stateEvent = z
  .object({
    '@type': z.literal('state'),
    state: z.literal('ended', { error: 'The only state an agent can set is "ended"' }),
  })
  .transform((): AgentPost => ({ kind: 'end' }));

/** `{"event": {"@type": "line", …}}` or `{"event": {"@type": "state", "state": "ended"}}`. */
export const agentPostBody = lenientObject(
  z.object({
    event: z
      .custom<Record<string, unknown>>(isRecord, { error: 'The body must be {"event": {…}}' })
      .transform((event) => ({ ...event, '@type': attribute(event, 'type') }))
      .pipe(z.discriminatedUnion('@type', [lineEvent, stateEvent], { error: 'event @type must be "line" or "state"' })),
  }),
).transform((body) => body.event);

// ---- Typing (§3.20) ----

export const agentTypingBody = lenientObject(
  z.object({
    agentTyping: z.enum(['typing', 'not-typing'], { error: 'agentTyping must be "typing" or "not-typing"' }),
  }),
).transform((body) => body.agentTyping === 'typing');

// ---- Transfer (§3.23) ----

/** A target's `@id` (or `id`): a number, or a non-blank string; anything else is no target. */
const targetId = z
  .unknown()
  .optional()
  .transform((target) => {
    if (!isRecord(target)) return undefined;
    const id = target['@id'] ?? target.id;
    return typeof id === 'number' || (typeof id === 'string' && id.trim() !== '') ? String(id).trim() : undefined;
  });

const transferFields = z.looseObject({ agent: targetId, skill: targetId, text: z.unknown().optional() });

/**
 * `{"transfer": {"agent": {"@id": …}} | {"skill": {"@id": …}}, "text": note}`, the wrapper optional;
 * an agent wins when both are named. The note may also sit beside the wrapper.
 */
export const transferBody = lenientObject(
  z.looseObject({ transfer: z.unknown().optional(), text: z.unknown().optional() }),
).transform((outer, ctx): TransferRequest => {
  const { agent, skill, text } = transferFields.parse(isRecord(outer.transfer) ? outer.transfer : outer);
  const noteValue = text ?? outer.text;
  const note = typeof noteValue === 'string' ? noteValue.slice(0, MAX_LINE) : '';
  if (agent !== undefined) return { target: { kind: 'agent', agentId: agent }, note };
  if (skill !== undefined) return { target: { kind: 'skill', skillId: skill }, note };
  ctx.addIssue({ code: 'custom', message: 'A transfer names an agent or a skill', path: ['transfer'] });
  return z.NEVER;
});
