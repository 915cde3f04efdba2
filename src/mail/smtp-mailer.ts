/** The SMTP adapter of the `Mailer` port (nodemailer), and its configuration from the environment. */
import nodemailer from 'nodemailer';
import { ConfigError } from '../config.js';
import { isValidEmailAddress } from '../core/chats/transcript.js';
import type { Mailer, MailMessage } from '../core/ports.js';

/** Where and as whom to send: `smtp://` or `smtps://` URL (credentials in it) and the From header. */
export interface SmtpConfig {
  url: string;
  from: string;
}

const DEFAULT_FROM = 'Parley <no-reply@localhost>';
// eslint-disable-next-line no-control-regex -- control characters are what must not get through
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/**
 * A Mailer over SMTP. `url` is handed to nodemailer's `createTransport` (`smtp://user:pass@host:587`,
 * `smtps://…:465`; query options such as `?connectionTimeout=10000` pass through). `send` rejects with
 * the transport's error when the server refuses or cannot be reached; the caller maps it.
 * Throws at creation when `from` holds no usable address.
 */
export function createSmtpMailer(options: SmtpConfig): Mailer & { close(): void } {
  const sender = parseSender(options.from);
  if (sender === undefined) throw new Error('createSmtpMailer: from must be an address or "Name <address>"');
  const transport = nodemailer.createTransport(options.url);

  return {
    async send(message: MailMessage): Promise<void> {
      // The core validated the recipient already; checked again because a list or a CRLF here would
      // add recipients or headers, and the envelope is spelled out so nothing is parsed from headers.
      if (!isValidEmailAddress(message.to)) throw new Error('smtp mailer: recipient is not a single valid address');
      await transport.sendMail({
        from: sender,
        to: { name: '', address: message.to },
        envelope: { from: sender.address, to: [message.to] },
        subject: message.subject,
        text: message.text,
        html: message.html,
      });
    },
    close(): void {
      transport.close();
    },
  };
}

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
function parseSender(from: string): { name: string; address: string } | undefined {
  const match = /^(?:"?([^"<>]*?)"?\s*<([^<>]+)>|([^<>]+))$/.exec(from.trim());
  if (match === null) return undefined;
  const name = (match[1] ?? '').trim();
  const address = (match[2] ?? match[3] ?? '').trim();
  if (CONTROL_CHARACTER.test(name) || CONTROL_CHARACTER.test(address)) return undefined;
  const isPlainAddress = address.length <= 254 && /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+$/.test(address);
  return isPlainAddress ? { name, address } : undefined;
}
