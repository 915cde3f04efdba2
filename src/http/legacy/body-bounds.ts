import { AppError, ErrorCode } from '../../core/errors.js';

/**
 * How much structure a request body may carry before it is parsed (docs/adr/0007-bounded-edge.md).
 *
 * Why: bodies are parsed before the caller is authenticated, and a parser's cost grows with the
 * number of nodes and the nesting, not with the bytes: 100k elements in 0.7 MB held the event loop
 * for half a second. The largest legitimate body (a survey or a chat request with every custom
 * variable and pre-chat line, an agent line of 30,000 characters) has a few hundred nodes and a
 * depth under ten, so these limits are far above any LivePerson client's body.
 */
export const BODY_BOUNDS = {
  /** XML elements plus attributes; JSON array items plus object members; form fields. */
  maxNodes: 5_000,
  /** Open XML elements, or JSON objects and arrays, inside one another. */
  maxDepth: 32,
} as const;

/**
 * The largest body the server reads (413 beyond). The longest legitimate field, an agent line of
 * 30,000 characters, takes at most 240 KB even with every character an XML character reference
 * (`&#12345;`) or 180 KB as JSON `\uXXXX` escapes; XML parsing costs in proportion to the bytes.
 */
export const BODY_LIMIT_BYTES = 262_144;

export interface BodyBounds {
  maxNodes: number;
  maxDepth: number;
}

const LT = 0x3c; // <
const GT = 0x3e; // >
const SLASH = 0x2f; // /
const EQUALS = 0x3d; // =
const DOUBLE_QUOTE = 0x22;
const SINGLE_QUOTE = 0x27;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;

const tooMany = (what: string, bounds: BodyBounds) =>
  new AppError(ErrorCode.BODY_MALFORMED, `The request body has more than ${bounds.maxNodes} ${what} (the limit)`);
const tooDeep = (what: string, bounds: BodyBounds) =>
  new AppError(
    ErrorCode.BODY_MALFORMED,
    `The request body nests ${what} deeper than ${bounds.maxDepth} levels (the limit)`,
  );

/**
 * Refuses JSON with more than `maxNodes` values or nested deeper than `maxDepth`, in one pass
 * that skips strings. Malformed JSON passes: JSON.parse reports it.
 */
export function assertJsonWithinBounds(text: string, bounds: BodyBounds = BODY_BOUNDS): void {
  let depth = 0;
  // Containers plus commas outside strings: at least the number of values the parser builds.
  let nodes = 0;
  let isInString = false;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (isInString) {
      if (code === BACKSLASH) index += 1;
      else if (code === DOUBLE_QUOTE) isInString = false;
      continue;
    }
    if (code === DOUBLE_QUOTE) {
      isInString = true;
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      depth += 1;
      nodes += 1;
      if (depth > bounds.maxDepth) throw tooDeep('objects and arrays', bounds);
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      depth -= 1;
    } else if (code === COMMA) {
      nodes += 1;
    } else {
      continue;
    }
    if (nodes > bounds.maxNodes) throw tooMany('values', bounds);
  }
}

/**
 * Refuses XML with more than `maxNodes` elements and attributes or elements nested deeper than
 * `maxDepth`, in one pass: comments, CDATA sections and processing instructions are skipped, and
 * quoted attribute values are not read as markup. Malformed XML passes: the validator reports it.
 */
export function assertXmlWithinBounds(text: string, bounds: BodyBounds = BODY_BOUNDS): void {
  let depth = 0;
  let nodes = 0;
  let index = text.indexOf('<');
  const skipPast = (opener: string, closer: string): boolean => {
    if (!text.startsWith(opener, index)) return false;
    const end = text.indexOf(closer, index + opener.length);
    index = end === -1 ? text.length : end + closer.length;
    return true;
  };
  while (index !== -1 && index < text.length) {
    if (skipPast('<!--', '-->') || skipPast('<![CDATA[', ']]>') || skipPast('<?', '?>')) {
      index = text.indexOf('<', index);
      continue;
    }
    const isEndTag = text.charCodeAt(index + 1) === SLASH;
    if (!isEndTag) nodes += 1;
    // Read the tag to its '>', outside quoted attribute values; each '=' is an attribute.
    let quote = 0;
    let at = index + 1;
    for (; at < text.length; at += 1) {
      const code = text.charCodeAt(at);
      if (quote !== 0) {
        if (code === quote) quote = 0;
      } else if (code === DOUBLE_QUOTE || code === SINGLE_QUOTE) {
        quote = code;
      } else if (code === EQUALS) {
        nodes += 1;
      } else if (code === GT || code === LT) {
        break;
      }
    }
    if (isEndTag) {
      depth -= 1;
    } else if (text.charCodeAt(at - 1) !== SLASH) {
      depth += 1;
      if (depth > bounds.maxDepth) throw tooDeep('elements', bounds);
    }
    if (nodes > bounds.maxNodes) throw tooMany('elements and attributes', bounds);
    index = text.indexOf('<', text.charCodeAt(at) === GT ? at + 1 : at);
  }
}

/** Refuses a form body with more than `maxNodes` fields. */
export function assertFormWithinBounds(text: string, bounds: BodyBounds = BODY_BOUNDS): void {
  let fields = 1;
  for (let index = text.indexOf('&'); index !== -1; index = text.indexOf('&', index + 1)) {
    fields += 1;
    if (fields > bounds.maxNodes) throw tooMany('form fields', bounds);
  }
}
