import sanitizeHtml from 'sanitize-html';

/**
 * What an agent's `textType: "html"` line may keep (chat-agent-api §3.15: "no iframes, scripts or DOM
 * actions; link targets are rewritten to `_blank`. Sanitise accordingly; do not reject."). The line is
 * rendered as HTML inside pages we do not control (the visitor's site, the agent workspace), so this is a
 * small allowlist for chat formatting, not a general HTML filter. Exported so the docs can print it; the
 * sanitize-html options below are derived from it and nothing else.
 *
 * Decisions a newcomer might undo:
 * - No `img`: an image in a line is a tracking pixel (the visitor's IP and user agent go to whoever hosts
 *   it), can break the widget's layout, and cannot be shown safely without a proxy. Images travel as
 *   structured content (`textType: "rich-content"`), whose renderer we control. The tag is dropped whole.
 * - No headings: a chat line has no document outline and `<h1>` shouts in the widget; `h1`-`h6` become `p`
 *   so the text and its line break survive.
 * - No `class` or `id` anywhere: a class borrows the host page's CSS (a fake login overlay), an id can
 *   clobber the host page's globals (DOM clobbering).
 * - `style` only for the two declarations LivePerson's own clients send (`<p dir='ltr' style='direction:
 *   ltr; text-align: left;'>`, §3.15); every other declaration is removed.
 * - Links must be absolute `http`, `https`, `mailto` or `tel` URLs without credentials. Relative and
 *   protocol-relative URLs are refused because the line is shown under two different base URLs (visitor
 *   site, agent workspace) and `//host` is a classic filter bypass; `user:pass@` is a phishing disguise
 *   (`https://bank.example@evil.example`). A link that fails becomes a `span`, so its text stays.
 * - Elements whose content is code or a hidden document (`script`, `style`, `iframe`, `noscript`, ...)
 *   are dropped with their content; any other unknown element is dropped but its text kept.
 */
export const SANITIZER_POLICY = {
  allowedTags: [
    'p',
    'div',
    'span',
    'br',
    'b',
    'strong',
    'i',
    'em',
    'u',
    's',
    'strike',
    'ul',
    'ol',
    'li',
    'a',
    'blockquote',
    'code',
    'pre',
  ],
  /** Rewritten before the allowlist applies. */
  renamedTags: { h1: 'p', h2: 'p', h3: 'p', h4: 'p', h5: 'p', h6: 'p' },
  /** Tags that may carry `dir` and the allowed `style` declarations. */
  directionalTags: ['p', 'div', 'span', 'blockquote', 'ul', 'ol', 'li', 'pre'],
  dirValues: ['ltr', 'rtl', 'auto'],
  /** CSS property -> allowed keyword values (case-insensitive). */
  allowedStyles: {
    direction: ['ltr', 'rtl'],
    'text-align': ['left', 'right', 'center', 'justify'],
  },
  link: {
    attributes: ['href', 'title', 'target', 'rel'],
    target: '_blank',
    rel: 'noopener noreferrer nofollow',
    schemes: ['http', 'https', 'mailto', 'tel'],
    allowsRelative: false,
    allowsProtocolRelative: false,
    allowsCredentials: false,
  },
  /** Disallowed tags whose text is dropped too (sanitize-html's defaults plus embedded documents). */
  droppedWithContent: [
    'script',
    'style',
    'textarea',
    'option',
    'xmp',
    'iframe',
    'noscript',
    'noembed',
    'noframes',
    'template',
    'title',
  ],
  /** Deeper elements are unwrapped (text kept), so a hostile line cannot stall the widget's layout. */
  nestingLimit: 20,
} as const;

const LINK_SCHEMES: ReadonlySet<string> = new Set(SANITIZER_POLICY.link.schemes);
const DIR_VALUES: ReadonlySet<string> = new Set(SANITIZER_POLICY.dirValues);

/**
 * The link's URL as the browser will read it, or undefined when the policy refuses it. Parsing with the
 * WHATWG parser (what browsers use) strips the tabs, newlines and control characters used to smuggle
 * `java\tscript:`, and re-serialising means the checked URL is the emitted one.
 */
function safeHref(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    // No base: relative and protocol-relative URLs throw here, which is the policy.
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (!LINK_SCHEMES.has(url.protocol.slice(0, -1))) return undefined;
  if (url.username !== '' || url.password !== '') return undefined;
  return url.href;
}

/** §3.15: "link targets are rewritten to `_blank`"; `rel` keeps the opened page from reaching back. */
const toSafeLink: sanitizeHtml.Transformer = (_tagName, attribs) => {
  const href = safeHref(attribs.href);
  if (href === undefined) return { tagName: 'span', attribs: {} };
  const safe: sanitizeHtml.Attributes = { href };
  if (attribs.title !== undefined) safe.title = attribs.title;
  safe.target = SANITIZER_POLICY.link.target;
  safe.rel = SANITIZER_POLICY.link.rel;
  return { tagName: 'a', attribs: safe };
};

/** `dir="RTL"` is valid HTML; lower-case it so the value allowlist does not leave an empty `dir`. */
const normaliseDir: sanitizeHtml.Transformer = (tagName, attribs) => {
  if (attribs.dir === undefined) return { tagName, attribs };
  const copy = { ...attribs };
  const dir = attribs.dir.trim().toLowerCase();
  if (DIR_VALUES.has(dir)) copy.dir = dir;
  else delete copy.dir;
  return { tagName, attribs: copy };
};

const keywordPattern = (values: readonly string[]): RegExp => new RegExp(`^(?:${values.join('|')})$`, 'i');

const allowedStyles = Object.fromEntries(
  Object.entries(SANITIZER_POLICY.allowedStyles).map(([property, values]) => [property, [keywordPattern(values)]]),
);

const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [...SANITIZER_POLICY.allowedTags],
  allowedAttributes: {
    ...Object.fromEntries(
      SANITIZER_POLICY.directionalTags.map((tag) => [
        tag,
        [{ name: 'dir', values: [...SANITIZER_POLICY.dirValues] }, 'style'],
      ]),
    ),
    a: [...SANITIZER_POLICY.link.attributes],
  },
  allowedStyles: Object.fromEntries(SANITIZER_POLICY.directionalTags.map((tag) => [tag, allowedStyles])),
  allowedClasses: {},
  allowedSchemes: [...SANITIZER_POLICY.link.schemes],
  allowedSchemesByTag: {},
  allowedSchemesAppliedToAttributes: ['href'],
  allowProtocolRelative: SANITIZER_POLICY.link.allowsProtocolRelative,
  transformTags: {
    ...Object.fromEntries(
      Object.entries(SANITIZER_POLICY.renamedTags).map(([from, to]) => [from, sanitizeHtml.simpleTransform(to, {})]),
    ),
    a: toSafeLink,
    '*': normaliseDir,
  },
  nonTextTags: [...SANITIZER_POLICY.droppedWithContent],
  disallowedTagsMode: 'discard',
  selfClosing: ['br'],
  nestingLimit: SANITIZER_POLICY.nestingLimit,
  allowVulnerableTags: false,
  enforceHtmlBoundary: false,
  parseStyleAttributes: true,
};

/**
 * Sanitises an agent's HTML line to {@link SANITIZER_POLICY}. Never throws and never rejects (§3.15): hostile
 * markup is removed and the rest kept, so the result may be an empty string when nothing harmless was left.
 * The output is safe to insert as HTML, and sanitising it again returns it unchanged.
 */
export function sanitizeAgentHtml(html: string): string {
  return sanitizeHtml(html, OPTIONS);
}
