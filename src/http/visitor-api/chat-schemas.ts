import { z } from 'zod';
import type { TranscriptRequest } from '../../core/chats/send-transcript.js';
import type { CustomVariable, PostedEvent } from '../../core/chats/visitor-chat.js';
import { isRecord, attribute } from '../legacy/wire.js';

const MAX_LINE_LENGTH = 10_000;
const MAX_NAME_LENGTH = 100;

/** The body as an object to read fields from; anything else reads as having none. */
const fields = (body: unknown): Record<string, unknown> => (isRecord(body) ? body : {});

const lineEvent = z.object({
  '@type': z.literal('line'),
  text: z
    .string({ error: 'A line needs a text' })
    .max(MAX_LINE_LENGTH, { error: `A line has at most ${MAX_LINE_LENGTH} characters` }),
});
const endEvent = z.object({
  '@type': z.literal('state'),
  state: z.literal('ended', { error: 'The only state a visitor can set is "ended"' }),
});

/** A posted event (§3.11): `{"event":{"@type":"line","text":…}}` or `{"event":{"@type":"state","state":"ended"}}`. */
export const postedEventBody = z
  .preprocess(
    fields,
    z.object({
      event: z
        .custom<Record<string, unknown>>(isRecord, {
          error: 'The body must be {"event": {"@type": "line", "text": "…"}}',
        })
        // `@type` or `type`: JSON clients send either, XML gives `@type`.
        .transform((event) => ({ ...event, '@type': attribute(event, 'type') }))
        .pipe(z.discriminatedUnion('@type', [lineEvent, endEvent], { error: 'event @type must be "line" or "state"' })),
    }),
  )
  .transform(({ event }): PostedEvent =>
    event['@type'] === 'line' ? { kind: 'line', text: event.text } : { kind: 'end' },
  );

const NAME_MESSAGE = `visitorName must be 1-${MAX_NAME_LENGTH} characters`;

/** The visitor's name (§3.13), trimmed. */
export const visitorNameBody = z
  .preprocess(
    fields,
    z.object({
      visitorName: z
        .string({ error: NAME_MESSAGE })
        .max(MAX_NAME_LENGTH, { error: NAME_MESSAGE })
        .refine((name) => name.trim() !== '', { error: NAME_MESSAGE }),
    }),
  )
  .transform(({ visitorName }) => visitorName.trim());

/** Whether the visitor is typing (§3.14). */
export const visitorTypingBody = z
  .preprocess(
    fields,
    z.object({
      visitorTyping: z.enum(['typing', 'not-typing'], { error: 'visitorTyping must be "typing" or "not-typing"' }),
    }),
  )
  .transform(({ visitorTyping }) => visitorTyping === 'typing');

/** Custom variables (§3.19): entries without a name or a value are skipped, never refused. */
export const customVariablesBody = z.unknown().transform((body): CustomVariable[] => {
  const container = fields(fields(body).customVariables);
  const list = container.customVariable;
  return (Array.isArray(list) ? list : [list]).flatMap((entry) =>
    isRecord(entry) && typeof entry.name === 'string' && entry.value !== undefined
      ? [{ name: entry.name.slice(0, 200), value: String(entry.value).slice(0, 4_000) }]
      : [],
  );
});

/**
 * The flat JSON body, also from XML, where it arrives under its root element
 * (`<transcriptRequest><email>…</email></transcriptRequest>`).
 */
function unwrap(body: unknown): Record<string, unknown> {
  if (!isRecord(body)) return {};
  const keys = Object.keys(body);
  const only = keys.length === 1 && keys[0] !== undefined ? body[keys[0]] : undefined;
  return body.email === undefined && isRecord(only) ? only : body;
}

/** A transcript request (§3.18); the address and the offset are checked by the use case. */
export const transcriptBody = z.unknown().transform((body): TranscriptRequest => {
  const input = unwrap(body);
  const offset = input.timezoneOffset;
  const subject = typeof input.subject === 'string' && input.subject.trim() !== '' ? input.subject.trim() : undefined;
  return {
    email: typeof input.email === 'string' ? input.email.trim() : '',
    timezoneOffsetMs: offset === undefined || offset === null || offset === '' ? 0 : Number(offset),
    ...(subject === undefined ? {} : { subject: subject.slice(0, 200) }),
  };
});
