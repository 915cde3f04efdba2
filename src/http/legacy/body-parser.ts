import { assertFormWithinBounds, assertJsonWithinBounds, assertXmlWithinBounds } from './body-bounds.js';
import { AppError, ErrorCode } from '../../core/errors.js';
import { parseXml } from './xml-codec.js';

const isJsonType = (type: string) => type === 'application/json' || type.endsWith('+json');
const isXmlType = (type: string) => type === 'application/xml' || type === 'text/xml' || type.endsWith('+xml');
const isFormType = (type: string) => type === 'application/x-www-form-urlencoded';

/**
 * Reads a request body whatever its declared type (Chat Agent API §1.3, Server Chat API §1.5):
 * JSON and XML by Content-Type (charset allowed); a missing, `text/plain` or misspelt type is
 * sniffed — `{`/`[` JSON, `<` XML, blank no body. Form bodies become a flat object. Throws
 * BODY_MALFORMED for a body that is none of these, or that carries more structure than
 * BODY_BOUNDS allows (checked in one linear pass before any parser sees it).
 */
export function parseLegacyBody(contentType: string | undefined, text: string): unknown {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const trimmed = text.trim();
  if (isFormType(type)) {
    assertFormWithinBounds(text);
    return Object.fromEntries(new URLSearchParams(text));
  }
  if (trimmed === '') return undefined;
  if (isJsonType(type) || (!isXmlType(type) && /^[[{]/.test(trimmed))) return parseJson(trimmed);
  if (isXmlType(type) || trimmed.startsWith('<')) {
    assertXmlWithinBounds(trimmed);
    return parseXml(trimmed);
  }
  // Some clients post a bare JSON string or number; anything else is not a body we understand.
  return parseJson(trimmed);
}

function parseJson(text: string): unknown {
  assertJsonWithinBounds(text);
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError(ErrorCode.BODY_MALFORMED, 'The request body is not valid JSON');
  }
}
