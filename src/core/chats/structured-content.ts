import { z } from 'zod';

/**
 * LivePerson structured content (the `json` of a `rich-content` line, chat-agent-api §3.15), checked
 * before it is stored: both chat windows draw it, so whatever is stored must be safe to draw. The
 * shapes follow LivePerson's structured-content templates (layouts `vertical`, `horizontal` and
 * `carousel`; elements `text`, `image` and `button`; actions `link` and `publishText`; quick replies),
 * with Parley's own limits (docs/LEGACY-QUIRKS.md, "Structured content"):
 * - links and images are `https` only: the windows are served over https and must not be made to
 *   load or open anything else (no `javascript:`, no `data:`, no mixed content);
 * - element and action types Parley does not draw (maps, date pickers, `navigate`, …) are refused,
 *   not stored to be shown as nothing;
 * - keys Parley does not know (`tag`, `metadata`, `accessibility`, …) are kept as posted.
 *
 * The XML form of a body reaches here mapped mechanically (chat-agent-api §1.6): a list of one is a
 * bare object and numbers and booleans are strings. Those are read as the JSON would be and the
 * stored template has the JSON shapes, so the windows read one form.
 */

/** Where an https address may be at most this long (browsers and proxies cut longer ones). */
export const MAX_URL_LENGTH = 2048;
/** Longest text of a text element or of a published text (a line has at most 30 000 characters). */
export const MAX_TEXT_LENGTH = 5000;
/** Longest button title, tooltip or caption: one short line on a card. */
export const MAX_LABEL_LENGTH = 256;
/** Elements of one layout, cards of one carousel, quick replies of one template. */
export const MAX_ELEMENTS = 50;
export const MAX_CAROUSEL_CARDS = 10;
export const MAX_QUICK_REPLIES = 24;
/** Layouts nested in layouts: deeper nests are no card anyone draws, and bound the work here. */
export const MAX_DEPTH = 5;
/** The whole template, serialised. */
export const MAX_TEMPLATE_CHARS = 50_000;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A list, where the XML form gives a single item as a bare object. */
const list = <T extends z.ZodType>(item: T, min: number, max: number, what: string) =>
  z.preprocess(
    (value) => (value === undefined || Array.isArray(value) ? value : [value]),
    z
      .array(item, { error: `${what} must be a list` })
      .min(min, { error: `${what} needs at least ${min}` })
      .max(max, { error: `${what} has at most ${max}` }),
  );

const flag = z.preprocess(
  (value) => (value === 'true' ? true : value === 'false' ? false : value),
  z.boolean({ error: 'must be true or false' }),
);

const wholeNumber = (min: number, max: number) =>
  z.preprocess(
    (value) => (typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : value),
    z
      .number({ error: 'must be a number' })
      .int({ error: 'must be a whole number' })
      .min(min, { error: `must be at least ${min}` })
      .max(max, { error: `must be at most ${max}` }),
  );

const label = (what: string) =>
  z
    .string({ error: `${what} must be a text` })
    .max(MAX_LABEL_LENGTH, { error: `${what} has at most ${MAX_LABEL_LENGTH} characters` });

const requiredText = (what: string, max: number) =>
  z
    .string({ error: `${what} must be a text` })
    .refine((value) => value.trim() !== '', { error: `${what} must not be empty` })
    .refine((value) => value.length <= max, { error: `${what} has at most ${max} characters` });

/** An absolute https address; anything else could run script, leak the page or mix content. */
export function isHttpsUrl(value: string): boolean {
  if (value.length > MAX_URL_LENGTH) return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && url.hostname !== '';
  } catch {
    return false;
  }
}

const httpsUrl = (what: string) =>
  z
    .string({ error: `${what} must be a text` })
    .refine(isHttpsUrl, { error: `${what} must be an https address of at most ${MAX_URL_LENGTH} characters` });

/** A CSS colour as a hex code (`#0A0A0A`, or the short forms LivePerson's own examples use) or a name. */
const color = z
  .string({ error: 'must be a text' })
  .regex(/^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{1,20})$/, { error: 'must be a hex colour (#RRGGBB) or a colour name' });

const style = z.looseObject({
  bold: flag.optional(),
  italic: flag.optional(),
  color: color.optional(),
  'background-color': color.optional(),
  size: z.enum(['small', 'medium', 'large'], { error: 'size must be small, medium or large' }).optional(),
});

/** What every element may carry besides its own fields. */
const common = {
  tooltip: label('tooltip').optional(),
  rtl: flag.optional(),
  style: style.optional(),
};

const linkAction = z.looseObject({
  type: z.literal('link'),
  uri: httpsUrl('a link'),
  name: label('name').optional(),
  target: z.enum(['self', 'blank', 'slideout'], { error: 'target must be self, blank or slideout' }).optional(),
});

const publishTextAction = z.looseObject({
  type: z.literal('publishText'),
  text: requiredText('the published text', MAX_TEXT_LENGTH),
});

const action = z.discriminatedUnion('type', [linkAction, publishTextAction], {
  error: 'an action is link (with an https uri) or publishText (with a text)',
});

const metadata = list(z.record(z.string(), z.unknown(), { error: 'metadata entries are objects' }), 0, 10, 'metadata');

const click = (actions: z.ZodType) =>
  z.looseObject(
    {
      metadata: metadata.optional(),
      actions: list(actions, 1, 4, 'click.actions'),
    },
    { error: 'a click is an object with its actions: {"actions": [{"type": "publishText", …}]}' },
  );

const textElement = z.looseObject({
  type: z.literal('text'),
  text: requiredText('a text element', MAX_TEXT_LENGTH),
  ...common,
});

const imageElement = z.looseObject({
  type: z.literal('image'),
  url: httpsUrl('an image url'),
  caption: label('caption').optional(),
  click: click(action).optional(),
  ...common,
});

const buttonElement = z.looseObject({
  type: z.literal('button'),
  title: requiredText('a button title', MAX_LABEL_LENGTH),
  click: click(action),
  ...common,
});

/** A quick reply is a button whose click publishes its text (LivePerson allows nothing else there). */
const quickReply = z.looseObject({
  type: z.literal('button', { error: 'a quick reply is a button' }),
  title: requiredText('a quick reply title', MAX_LABEL_LENGTH),
  click: click(
    publishTextAction.extend({
      type: z.literal('publishText', { error: 'a quick reply only publishes its text (publishText)' }),
    }),
  ),
  ...common,
});

const quickReplies = z.looseObject({
  type: z.literal('quickReplies', { error: 'quickReplies.type must be "quickReplies"' }),
  itemsPerRow: wholeNumber(1, 8).optional(),
  replies: list(quickReply, 1, MAX_QUICK_REPLIES, 'quickReplies.replies'),
});

/** The element types, layouts included, by depth: the depth bound is in the types, not a counter. */
function elementAt(depth: number): z.ZodType {
  const basics = [textElement, imageElement, buttonElement] as const;
  const error = {
    error:
      depth >= MAX_DEPTH
        ? `layouts nest at most ${MAX_DEPTH} deep; an element here is text, image or button`
        : 'an element is text, image, button, vertical or horizontal',
  };
  if (depth >= MAX_DEPTH) return z.discriminatedUnion('type', [...basics], error);
  const inner = elementAt(depth + 1);
  return z.discriminatedUnion('type', [...basics, layout('vertical', inner), layout('horizontal', inner)], error);
}

function layout<T extends 'vertical' | 'horizontal'>(type: T, element: z.ZodType) {
  return z.looseObject({
    type: z.literal(type),
    elements: list(element, 1, MAX_ELEMENTS, `${type}.elements`),
    ...common,
  });
}

const cardElement = elementAt(2);

const carousel = z.looseObject({
  type: z.literal('carousel'),
  padding: wholeNumber(0, 10).optional(),
  elements: list(layout('vertical', cardElement), 1, MAX_CAROUSEL_CARDS, 'carousel.elements'),
  quickReplies: quickReplies.optional(),
});

const rootElement = elementAt(1);

const template = z.discriminatedUnion(
  'type',
  [
    layout('vertical', rootElement).extend({ quickReplies: quickReplies.optional() }),
    layout('horizontal', rootElement).extend({ quickReplies: quickReplies.optional() }),
    carousel,
  ],
  { error: 'a template is a vertical, horizontal or carousel layout' },
);

/** A stored template: an object whose shapes the windows can rely on (see the module comment). */
export type StructuredContent = Record<string, unknown>;

export type StructuredContentCheck =
  { ok: true; content: StructuredContent } | { ok: false; message: string; path: string };

/**
 * The checked value with the keys in the order they were posted (the parser puts known keys first):
 * a JSON template is stored exactly as posted (chat-agent-api §6 item 38), an XML one with JSON shapes.
 */
function inPostedOrder(posted: unknown, checked: unknown): unknown {
  if (Array.isArray(checked)) {
    const items: unknown[] = Array.isArray(posted) ? posted : [posted];
    return checked.map((item, index) => inPostedOrder(items[index], item));
  }
  if (!isRecord(checked) || !isRecord(posted)) return checked;
  const has = (record: Record<string, unknown>, key: string) => Object.hasOwn(record, key);
  // Entries, not assignment: a posted `__proto__` key stays a plain key.
  return Object.fromEntries([
    ...Object.keys(posted)
      .filter((key) => has(checked, key))
      .map((key) => [key, inPostedOrder(posted[key], checked[key])]),
    ...Object.entries(checked).filter(([key]) => !has(posted, key)),
  ]);
}

/** `elements[1].click.actions[0].uri`, for a message that says where the fault is. */
function pathOf(path: readonly PropertyKey[]): string {
  return path
    .map((key, index) => (typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${String(key)}`))
    .join('');
}

/**
 * Checks a `rich-content` line's `json`: the template with XML shapes read as JSON ones, or the first
 * fault found and where it is (`path` relative to `json`).
 */
export function checkStructuredContent(json: unknown): StructuredContentCheck {
  if (!isRecord(json)) return { ok: false, message: 'structured content is a JSON object', path: '' };
  let size: number;
  try {
    size = JSON.stringify(json).length;
  } catch {
    return { ok: false, message: 'structured content is a JSON object', path: '' };
  }
  if (size > MAX_TEMPLATE_CHARS) {
    return { ok: false, message: `structured content has at most ${MAX_TEMPLATE_CHARS} characters`, path: '' };
  }
  const parsed = template.safeParse(json);
  if (parsed.success) return { ok: true, content: inPostedOrder(json, parsed.data) as StructuredContent };
  const issue = parsed.error.issues[0];
  return { ok: false, message: issue?.message ?? 'invalid structured content', path: pathOf(issue?.path ?? []) };
}

/** The reason a template was refused, as one sentence naming the field (`json.elements[0].url: …`). */
export function describeRefusal(check: { message: string; path: string }): string {
  return `Invalid structured content at json${check.path === '' ? '' : check.path.startsWith('[') ? check.path : `.${check.path}`}: ${check.message}`;
}
