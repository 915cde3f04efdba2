/** The SMTP mailer's configuration from the environment (PARLEY_SMTP_URL, PARLEY_SMTP_FROM). */
import { ConfigError } from '../config-error.js';

/** Where and as whom to send: `smtp://` or `smtps://` URL (credentials in it) and the From header. */
export interface SmtpConfig {
  url: string;
  from: string;
}

const DEFAULT_FROM = 'Parley <no-reply@localhost>';
// eslint-disable-next-line no-control-regex -- control characters are what must not get through
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/**
 * Reads PARLEY_SMTP_URL and PARLEY_SMTP_FROM; undefined when PARLEY_SMTP_URL is unset (no mail).
 * Throws ConfigError naming the variable; the URL is never echoed since it may hold a password.
 */
export function parseSmtpConfig(env: Readonly<Record<string, string | undefined>>): SmtpConfig | undefined {
  const url = env['PARLEY_SMTP_URL']?.trim();
  if (url === undefined || url === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError('PARLEY_SMTP_URL', 'is not a URL like smtp://user:password@mail.example.com:587');
  }
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') {
    throw new ConfigError('PARLEY_SMTP_URL', 'must start with smtp:// or smtps://');
  }
  if (parsed.hostname === '') throw new ConfigError('PARLEY_SMTP_URL', 'must name the mail server host');

  const from = env['PARLEY_SMTP_FROM']?.trim() || DEFAULT_FROM;
  if (parseSender(from) === undefined) {
    throw new ConfigError('PARLEY_SMTP_FROM', `"${from}" must be an address or "Name <address>"`);
  }
  return { url, from };
}

/**
 * `addr` or `Name <addr>` (the name optionally quoted). The operator chooses it, so a host without a
 * dot (`no-reply@localhost`) is allowed; anything that could split into several addresses or headers
 * is not. nodemailer gets the parts separately and encodes the name itself.
 */
export function parseSender(from: string): { name: string; address: string } | undefined {
  const match = /^(?:"?([^"<>]*?)"?\s*<([^<>]+)>|([^<>]+))$/.exec(from.trim());
  if (match === null) return undefined;
  const name = (match[1] ?? '').trim();
  const address = (match[2] ?? match[3] ?? '').trim();
  if (CONTROL_CHARACTER.test(name) || CONTROL_CHARACTER.test(address)) return undefined;
  const isPlainAddress = address.length <= 254 && /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+$/.test(address);
  return isPlainAddress ? { name, address } : undefined;
}
