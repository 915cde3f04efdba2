import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { AppError, ErrorCode } from '../../core/errors.js';

/** XML the server will not read: the catalogue's BODY_MALFORMED (400 / 40, Chat Agent API spec §1.8). */
const bodyMalformed = (message: string, options: { cause?: unknown } = {}): AppError =>
  new AppError(ErrorCode.BODY_MALFORMED, message, options);

/** The XML declaration LivePerson's Java hosts put before every XML body. */
const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>';

/** An element name or attribute name we are willing to write (ASCII subset of the XML Name rule). */
const XML_NAME = /^[A-Za-z_][\w.:-]*$/;

/**
 * Characters XML 1.0 does not allow even escaped (C0 controls other than tab, LF, CR; U+FFFE,
 * U+FFFF; unpaired surrogates). One visitor line holding such a character would otherwise make the
 * whole events document unreadable to an XML client, so each is replaced by U+FFFD.
 */
const XML_FORBIDDEN_CHARACTERS =
  // eslint-disable-next-line no-control-regex -- matching the control characters XML forbids is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** The builder's input, after renderXml has checked and stringified the document. */
type BuilderElement = string | null | BuilderNode;
interface BuilderNode {
  [key: string]: BuilderElement | BuilderElement[];
}

const mapping = { attributeNamePrefix: '@', textNodeName: '$', ignoreAttributes: false } as const;

const builder = new XMLBuilder({
  ...mapping,
  // Elements without children or text are written self-closing (`<skills/>`, `<link …/>`).
  suppressEmptyNode: true,
  // Otherwise an attribute whose value is the string "true" would lose its value.
  suppressBooleanAttributes: false,
  // Escapes & < > " ' in text and attribute values.
  processEntities: true,
});

const parser = new XMLParser({
  ...mapping,
  // Leaves stay strings: one schema validates JSON and XML bodies (Chat Agent API spec §1.6 rule 6).
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // Also decodes numeric character references (&#233;), which are plain XML; without it the
  // parser leaves them undecoded. DOCTYPE-declared entities never get this far (see parseXml).
  htmlEntities: true,
});

/** Whether a value is a non-array object whose keys can be read as a record. */
function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether a value is a literal object (not a Date, Map, class instance…), i.e. an element. */
function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (!isRecord(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function assertXmlName(name: string, at: string): void {
  if (!XML_NAME.test(name)) throw new TypeError(`renderXml: "${name}" at ${at} is not an XML name`);
}

/** Text content or attribute value: scalars as strings, with forbidden characters replaced. */
function toText(value: unknown, at: string): string {
  if (
    typeof value === 'string' ||
    typeof value === 'number' ||
    typeof value === 'boolean' ||
    typeof value === 'bigint'
  ) {
    return String(value).replace(XML_FORBIDDEN_CHARACTERS, '\uFFFD');
  }
  throw new TypeError(`renderXml: ${at} must be a string, number or boolean`);
}

/** One element's content: empty (null), text, or a node of attributes and children. */
function toElement(value: unknown, at: string): BuilderElement {
  if (value === null) return null;
  if (isPlainRecord(value)) return toNode(value, at);
  return toText(value, at);
}

function toNode(record: Record<string, unknown>, at: string): BuilderNode {
  const entries: Array<[string, BuilderElement | BuilderElement[]]> = [];
  for (const [key, value] of Object.entries(record)) {
    const here = `${at}.${key}`;
    if (value === undefined) continue;
    if (key === '$') {
      if (value !== null) entries.push([key, toText(value, here)]);
    } else if (key.startsWith('@')) {
      assertXmlName(key.slice(1), here);
      if (value !== null) entries.push([key, toText(value, here)]);
    } else {
      assertXmlName(key, here);
      if (Array.isArray(value)) {
        // An array is the element repeated; an empty one writes nothing (spec §1.6 rule 4).
        const items: BuilderElement[] = [];
        for (const [index, item] of value.entries()) {
          if (item === undefined) continue;
          if (Array.isArray(item)) throw new TypeError(`renderXml: ${here}[${index}] is a nested array`);
          items.push(toElement(item, `${here}[${index}]`));
        }
        if (items.length > 0) entries.push([key, items]);
      } else {
        entries.push([key, toElement(value, here)]);
      }
    }
  }
  // fromEntries defines own properties, so even a "__proto__" key stays an ordinary key.
  return Object.fromEntries(entries);
}

/**
 * Renders a legacy-shaped document as an XML body: `@name` keys are attributes, `$` is the text of
 * an element that also has attributes, arrays repeat the element, `null` is an empty element and
 * `undefined` keys are left out, in key order.
 *
 * Why: the legacy APIs are XML-native and their JSON is a mechanical mapping of the XML tree, so
 * presenters build the JSON shape once and this writes the XML form of it (Chat Agent API spec
 * §1.3, §1.6; Server Chat API spec §1.5). Throws a TypeError when the document is not of that
 * shape (a programming error, not a client's).
 */
export function renderXml(document: Record<string, unknown>): string {
  const rootKeys = Object.keys(document).filter((key) => document[key] !== undefined);
  const rootName = rootKeys[0];
  if (rootKeys.length !== 1 || rootName === undefined) {
    throw new TypeError(`renderXml: a document has exactly one root key, got ${rootKeys.length}`);
  }
  assertXmlName(rootName, 'the root');
  const root = document[rootName];
  if (Array.isArray(root)) throw new TypeError('renderXml: the root element cannot repeat');
  const tree: BuilderNode = Object.fromEntries([[rootName, toElement(root, rootName)]]);
  const body: unknown = builder.build(tree);
  if (typeof body !== 'string') throw new TypeError('renderXml: the XML builder returned no text');
  return XML_DECLARATION + body;
}

/**
 * Refuses any `<!…>` markup other than comments and CDATA sections, i.e. DOCTYPE and entity
 * declarations, before the library sees them: no entity expansion, no external entities. Scans
 * linearly, skipping comments, CDATA sections and processing instructions (where `<!` is text).
 */
function refuseDeclarations(text: string): void {
  const skipTo = (start: number, opener: string, closer: string): number | undefined => {
    if (!text.startsWith(opener, start)) return undefined;
    const end = text.indexOf(closer, start + opener.length);
    // Unterminated: stop here and let the validator report the malformed document.
    return end === -1 ? text.length : end + closer.length;
  };
  let index = text.indexOf('<');
  while (index !== -1 && index < text.length) {
    const next = skipTo(index, '<!--', '-->') ?? skipTo(index, '<![CDATA[', ']]>') ?? skipTo(index, '<?', '?>');
    if (next !== undefined) {
      index = text.indexOf('<', next);
    } else if (text.startsWith('<!', index)) {
      throw bodyMalformed('XML body must not contain a DOCTYPE or entity declaration');
    } else {
      index = text.indexOf('<', index + 1);
    }
  }
}

/** Rebuilds parsed objects with attributes first, matching the legacy key order (spec §1.6 rule 7). */
function attributesFirst(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(attributesFirst);
  if (!isRecord(value)) return value;
  const entries = Object.entries(value);
  const attributes = entries.filter(([key]) => key.startsWith('@'));
  const rest = entries.filter(([key]) => !key.startsWith('@')).map(([key, child]) => [key, attributesFirst(child)]);
  return Object.fromEntries([...attributes, ...rest]);
}

/**
 * Parses an XML request body into the legacy JSON shape: attributes become `@name` keys, an
 * element with attributes and text gets its text as `$`, an element that occurs once is a bare
 * object or string and one that repeats an array, and every leaf stays a string (an empty element
 * is `""`). Entities are decoded and text trimmed. Throws BODY_MALFORMED on malformed XML, on a
 * DOCTYPE or entity declaration, and on more or fewer than one root element.
 *
 * Why: one client posts XML bodies while asking for JSON back, and clients may send XML wherever
 * JSON is accepted (Server Chat API spec §1.5; Chat Agent API spec §1.3); parsing to the same
 * shape lets one schema validate both (spec §1.6).
 */
export function parseXml(text: string): Record<string, unknown> {
  refuseDeclarations(text);
  // The validator catches what the parser would silently repair (unclosed tags, bad names).
  const verdict = XMLValidator.validate(text);
  if (verdict !== true) {
    const { msg, line, col } = verdict.err;
    throw bodyMalformed(`malformed XML body: ${msg} (line ${line}, column ${col})`);
  }
  let parsed: unknown;
  try {
    parsed = parser.parse(text);
  } catch (error) {
    // e.g. nesting deeper than the parser's limit, or an element named __proto__.
    throw bodyMalformed('malformed XML body', { cause: error });
  }
  if (!isRecord(parsed)) throw bodyMalformed('malformed XML body');
  const rootNames = Object.keys(parsed);
  const rootName = rootNames[0];
  // The validator lets several self-closing roots through (`<a/><b/>`, `<a/><a/>`); the parser
  // gives them as several keys or as an array.
  const root = rootName === undefined ? undefined : parsed[rootName];
  if (rootNames.length !== 1 || rootName === undefined || Array.isArray(root)) {
    throw bodyMalformed('XML body must have exactly one root element');
  }
  return Object.fromEntries([[rootName, attributesFirst(root)]]);
}
