import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signature methods the server recomputes (platform spec §5.3.2).
 * Only HMAC-SHA1 is required by LivePerson clients; HMAC-SHA256 is accepted because it is harmless.
 */
export const SUPPORTED_SIGNATURE_METHODS = ['HMAC-SHA1', 'HMAC-SHA256'] as const;

/** One of {@link SUPPORTED_SIGNATURE_METHODS}. */
export type SignatureMethod = (typeof SUPPORTED_SIGNATURE_METHODS)[number];

const HMAC_ALGORITHMS = {
  'HMAC-SHA1': 'sha1',
  'HMAC-SHA256': 'sha256',
} as const satisfies Record<SignatureMethod, string>;

/**
 * Narrows an `oauth_signature_method` value to a supported method.
 * Lets the verifier answer `signature_method_rejected` (§5.3.4) without a cast.
 */
export function isSupportedSignatureMethod(value: string): value is SignatureMethod {
  return SUPPORTED_SIGNATURE_METHODS.some((method) => method === value);
}

const SCHEME_PATTERN = /^\s*oauth(?=\s|$)/i;
const WHITESPACE = /\s/;

/**
 * Parses the parameters of an `Authorization: OAuth …` header value (§5.3.2), percent-decoded.
 * Returns undefined when the scheme is not OAuth. `realm` is left out because it is never signed
 * (§5.3.2; RFC 5849 §3.4.1.3.1). Lenient by design: malformed pieces are skipped, an unclosed quote
 * runs to the end, an undecodable value is kept as sent (its signature then fails), and a repeated
 * name keeps its first value. Never throws.
 */
export function parseOAuthAuthorization(header: string): Record<string, string> | undefined {
  const scheme = SCHEME_PATTERN.exec(header);
  if (scheme === null) return undefined;

  const params = new Map<string, string>();
  let i = scheme[0].length;

  while (i < header.length) {
    while (i < header.length && (header[i] === ',' || WHITESPACE.test(header.charAt(i)))) i++;
    if (i >= header.length) break;

    const nameStart = i;
    while (i < header.length && header[i] !== '=' && header[i] !== ',' && !WHITESPACE.test(header.charAt(i))) i++;
    const rawName = header.slice(nameStart, i);
    while (i < header.length && WHITESPACE.test(header.charAt(i))) i++;

    if (header[i] !== '=') {
      // A bare token or garbage: skip to the next separator.
      i = skipToComma(header, i);
      continue;
    }
    i++;
    while (i < header.length && WHITESPACE.test(header.charAt(i))) i++;

    let rawValue: string;
    if (header[i] === '"') {
      const close = header.indexOf('"', i + 1);
      const end = close === -1 ? header.length : close;
      rawValue = header.slice(i + 1, end);
      i = close === -1 ? header.length : skipToComma(header, close + 1);
    } else {
      // Unquoted values are not in the documented format but some clients send them.
      const end = skipToComma(header, i);
      rawValue = header.slice(i, end).trim();
      i = end;
    }

    const name = safeDecode(rawName);
    if (name === '' || name.toLowerCase() === 'realm' || params.has(name)) continue;
    params.set(name, safeDecode(rawValue));
  }

  // Object.fromEntries defines own properties, so a `__proto__` name cannot touch the prototype.
  return Object.fromEntries(params);
}

function skipToComma(text: string, from: number): number {
  const comma = text.indexOf(',', from);
  return comma === -1 ? text.length : comma;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;
const utf8 = new TextEncoder();

/**
 * Percent-encodes a string per RFC 3986 over its UTF-8 bytes, leaving only `A-Z a-z 0-9 - . _ ~` (§5.3.3).
 * Not `encodeURIComponent`: that leaves `! ' ( ) *` alone and throws on lone surrogates
 * (which are encoded here as U+FFFD, like any UTF-8 encoder does).
 */
export function percentEncode(value: string): string {
  let out = '';
  for (const char of value) {
    if (UNRESERVED.test(char)) {
      out += char;
      continue;
    }
    for (const byte of utf8.encode(char)) {
      out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    }
  }
  return out;
}

/**
 * Builds the normalized parameter string `name=value&…` from decoded pairs (§5.3.3 step 3).
 * Pairs are encoded, then sorted by encoded name and encoded value in byte order (not locale order);
 * repeated names stay as separate pairs. `oauth_signature` is always dropped (RFC 5849 §3.4.1.3.1),
 * so passing it in by mistake cannot break verification.
 */
export function normalizeParameters(params: ReadonlyArray<readonly [string, string]>): string {
  return params
    .filter(([name]) => name !== 'oauth_signature')
    .map(([name, value]): [string, string] => [percentEncode(name), percentEncode(value)])
    .sort(([nameA, valueA], [nameB, valueB]) => compareCodeUnits(nameA, nameB) || compareCodeUnits(valueA, valueB))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

// Encoded strings are ASCII, so code-unit order equals the byte order RFC 5849 §3.4.1.3.2 asks for.
function compareCodeUnits(a: string, b: string): number {
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}

/**
 * Builds the signature base string `METHOD&enc(baseUrl)&enc(normalizedParams)` (§5.3.3 step 4).
 * `params` are the decoded query, `oauth_*` (header or query) and form-body pairs; JSON bodies are
 * never signed. The method is upper-cased as sent on the wire (an override header does not change it)
 * and encoded, which only matters for unusual custom methods (RFC 5849 §3.4.1.1).
 */
export function signatureBaseString(input: {
  method: string;
  baseUrl: string;
  params: ReadonlyArray<readonly [string, string]>;
}): string {
  return [
    percentEncode(input.method.toUpperCase()),
    percentEncode(input.baseUrl),
    percentEncode(normalizeParameters(input.params)),
  ].join('&');
}

const DEFAULT_PORTS: Readonly<Record<string, number>> = { http: 80, https: 443 };
const HOST_PORT = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/;

/**
 * Builds the base string URI `scheme://host[:port]path` (§5.3.3 step 2).
 * Scheme and host are lower-cased and the default port (80 for http, 443 for https) dropped; the path
 * keeps its case and `.json` suffixes because clients sign it as sent. Anything from `?` or `#` on
 * is cut, since the query is signed as parameters and a fragment never reaches the server.
 * `host` is the external host as the client addressed it (trusted forwarding headers behind a proxy).
 */
export function normalizeBaseUrl(scheme: string, host: string, path: string): string {
  const lowerScheme = scheme.toLowerCase();
  let lowerHost = host.toLowerCase();
  const match = HOST_PORT.exec(lowerHost);
  if (match !== null) {
    const [, hostname = '', port] = match;
    const defaultPort = DEFAULT_PORTS[lowerScheme];
    // An empty port (`host:`) means the default one too (RFC 3986 §6.2.3).
    if (port === '' || (port !== undefined && Number(port) === defaultPort)) lowerHost = hostname;
  }
  const cut = path.search(/[?#]/);
  const bare = cut === -1 ? path : path.slice(0, cut);
  return `${lowerScheme}://${lowerHost}${bare}`;
}

/**
 * Computes the base64 HMAC signature of a base string (§5.3.3 steps 5–6).
 * The key is `enc(consumerSecret)&enc(tokenSecret)`; an empty token secret still keeps the `&`.
 */
export function hmacSignature(
  method: SignatureMethod,
  baseString: string,
  consumerSecret: string,
  tokenSecret: string,
): string {
  const key = `${percentEncode(consumerSecret)}&${percentEncode(tokenSecret)}`;
  return createHmac(HMAC_ALGORITHMS[method], key).update(baseString, 'utf8').digest('base64');
}

/**
 * Compares two base64 signatures in constant time over their decoded bytes (§5.3.3 step 6).
 * Comparing bytes rather than text means padding or URL-safe spellings of the right digest still
 * match; a length mismatch or an empty digest is simply false.
 */
export function signaturesEqual(expectedBase64: string, givenBase64: string): boolean {
  const expected = Buffer.from(expectedBase64, 'base64');
  const given = Buffer.from(givenBase64, 'base64');
  if (expected.length === 0 || expected.length !== given.length) return false;
  return timingSafeEqual(expected, given);
}
