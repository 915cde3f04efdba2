/**
 * Small guards that narrow parsed JSON. The legacy APIs type the same value as a string in one
 * resource and a number in another, and render one element as an object but several as an array
 * (chat-agent-api §1.6, platform §1.4), so every reader here is liberal in what it accepts.
 */

/** A JSON object. */
export type JsonRecord = Record<string, unknown>;

/** Whether a value is a JSON object (not an array, not null). */
export const isRecord = (value: unknown): value is JsonRecord =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `value[key]` when `value` is an object, else undefined. */
export const member = (value: unknown, key: string): unknown => (isRecord(value) ? value[key] : undefined);

/** One element is a bare object, several an array, none absent (chat-agent-api §1.6). */
export const listOf = (value: unknown): unknown[] =>
  value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];

/** A string, or a number rendered as one. */
export const asText = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;

/** A number, or a string of digits read as one (string-typed numbers, platform §1.4). */
export function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && /^\s*-?\d+(?:\.\d+)?\s*$/.test(value)) return Number(value);
  return undefined;
}

/** A boolean, or `"true"`/`"false"`. */
export const asBoolean = (value: unknown): boolean | undefined =>
  typeof value === 'boolean' ? value : value === 'true' ? true : value === 'false' ? false : undefined;

/** The body as JSON, or undefined when it is empty or not JSON. */
export function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The href of the link named `rel` in a link or list of links; both spellings are read, `@href`/`@rel`
 * and the documented `href`/`rel` of stand-alone resources (chat-agent-api §1.5).
 */
export function linkHref(links: unknown, rel: string): string | undefined {
  for (const link of listOf(links)) {
    const name = asText(member(link, '@rel')) ?? asText(member(link, 'rel'));
    if (name === rel) return asText(member(link, '@href')) ?? asText(member(link, 'href'));
  }
  return undefined;
}

/** The `from` query parameter of a next link, the id of the first event it names. */
export function fromOfHref(href: string | undefined): number | undefined {
  if (href === undefined) return undefined;
  const match = /[?&]from=(\d+)/.exec(href);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** The last path segment of an href (a chat id, an agent session id, an event id). */
export function lastSegment(href: string): string {
  const path = href.split(/[?#]/)[0] ?? href;
  const trimmed = path.replace(/\/+$/, '');
  return decodeURIComponent(trimmed.slice(trimmed.lastIndexOf('/') + 1));
}
