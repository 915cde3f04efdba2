/** The SMTP adapter of the `Mailer` port (nodemailer); its configuration is read by smtp-config.ts. */
import nodemailer from 'nodemailer';
import { isValidEmailAddress } from '../core/chats/transcript.js';
import type { Mailer, MailMessage } from '../core/ports.js';
import { parseSender, type SmtpConfig } from './smtp-config.js';

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
