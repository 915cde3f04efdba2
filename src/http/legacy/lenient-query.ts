/** Separators between query parameters: `&`, and `?` glued on by clients (see parseLenientQuery). */
const PARAMETER_SEPARATOR = /[&?]/;

/** Runs of percent escapes, decoded together so multi-byte UTF-8 sequences survive. */
const PERCENT_ESCAPES = /(?:%[0-9A-Fa-f]{2})+/g;

/** A trailing format suffix on the last path segment, which must keep a non-empty name. */
const FORMAT_SUFFIX = /^(.+)\.(json|xml)$/i;

/** Form-decodes one key or value: `+` is a space, and a bad escape is kept as written. */
function decodeComponent(text: string): string {
  // Most keys and values have nothing to decode: spared the two scans (every request parses its query).
  if (!text.includes('%') && !text.includes('+')) return text;
  return text.replace(/\+/g, ' ').replace(PERCENT_ESCAPES, (escapes) => {
    try {
      return decodeURIComponent(escapes);
    } catch {
      // Not UTF-8 (`%FF`): keep the raw text instead of failing the request.
      return escapes;
    }
  });
}

/**
 * Parses a query string (the part after the first `?`) into parameters without ever throwing:
 * `?` separates parameters like `&`, empty pieces are skipped, a key without `=` has the value
 * `""`, `+` is a space, a bad percent escape is kept as written, and the first occurrence of a
 * key wins. The result has no prototype, so `__proto__` and `constructor` are ordinary keys.
 *
 * Why: real clients send malformed query strings — PM logs in with `login??v=1&NC=true` and TB
 * glues `?v=1&NC=true` onto a next link that already has `?from=4` (Chat Agent API spec §1.2;
 * Server Chat API spec §1.3), and unknown parameters must be ignored, not rejected.
 */
export function parseLenientQuery(raw: string): Record<string, string> {
  // Made without a prototype rather than given none afterwards, which would slow every read of it.
  const result = Object.create(null) as Record<string, string>;
  for (const [key, value] of lenientQueryPairs(raw)) if (!Object.hasOwn(result, key)) result[key] = value;
  return result;
}

/**
 * Every parameter of a query string in order, repeated keys included, read with the grammar of
 * parseLenientQuery (which keeps the first of each). Server Chat clients repeat `skill` (§3.1).
 */
export function lenientQueryPairs(raw: string): [string, string][] {
  const pairs: [string, string][] = [];
  for (const piece of raw.split(PARAMETER_SEPARATOR)) {
    if (piece === '') continue;
    const equals = piece.indexOf('=');
    const key = decodeComponent(equals === -1 ? piece : piece.slice(0, equals));
    if (key !== '') pairs.push([key, equals === -1 ? '' : decodeComponent(piece.slice(equals + 1))]);
  }
  return pairs;
}

/**
 * Reads the leading decimal digits of a paging value (`"4"` → 4, `"4?v=1"` → 4, `"12abc"` → 12);
 * `undefined` when there is no leading digit (absent, empty, negative, letters) or the number is
 * beyond Number.MAX_SAFE_INTEGER.
 *
 * Why: the shared rule for `from` and each `fromEventIds` entry (Chat Agent API spec §1.2; Server
 * Chat API spec §1.3), so a client that glues a second `?…` onto a next link still pages; the
 * caller answers `undefined` for a present value with 400, internalCode 40.
 */
export function parseLeadingDigits(value: string | undefined): number | undefined {
  const digits = value === undefined ? undefined : /^[0-9]+/.exec(value)?.[0];
  if (digits === undefined) return undefined;
  const number = Number(digits);
  return Number.isSafeInteger(number) ? number : undefined;
}

/**
 * Normalises a request path (without its query) for routing: collapses repeated slashes and strips
 * a trailing `.json` or `.xml` (any case) from the last segment, returning the format it named.
 * A suffix on an earlier segment (`/a.json/b`) is left alone.
 *
 * Why: clients select the response format with a suffix on the last segment
 * (`agentSession.json`, `/api/account/{accountId}.json`), the suffix wins over `Accept`, and
 * routing sees the bare path (Chat Agent API spec §1.3; Server Chat API spec §1.3, §1.5);
 * repeated slashes (`/chat//preSurvey`) are collapsed before routing (same sections).
 */
export function stripFormatSuffix(path: string): { path: string; format: 'json' | 'xml' | undefined } {
  const collapsed = path.replace(/\/{2,}/g, '/');
  const lastSlash = collapsed.lastIndexOf('/');
  const match = FORMAT_SUFFIX.exec(collapsed.slice(lastSlash + 1));
  const name = match?.[1];
  const suffix = match?.[2]?.toLowerCase();
  if (name === undefined || (suffix !== 'json' && suffix !== 'xml')) return { path: collapsed, format: undefined };
  return { path: collapsed.slice(0, lastSlash + 1) + name, format: suffix };
}
