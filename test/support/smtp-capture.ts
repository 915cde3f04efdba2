import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

// A real SMTP peer for tests: an smtp-server on loopback that keeps what it receives, and a small
// MIME reader to check the parts that arrived.

/** What a real SMTP server received: the envelope and the raw message. */
export interface Received {
  mailFrom: string | undefined;
  rcptTo: string[];
  user: string | undefined;
  raw: string;
}

/** A real smtp-server on 127.0.0.1, port 0, keeping every message it accepts. */
export async function startSmtpServer(options: SMTPServerOptions = {}) {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    ...options,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const mailFrom = session.envelope.mailFrom;
        received.push({
          mailFrom: mailFrom === false ? undefined : mailFrom.address,
          rcptTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          user: typeof session.user === 'string' ? session.user : undefined,
          raw: Buffer.concat(chunks).toString('latin1'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: portOf(server.server.address()),
    received,
    close: () => new Promise<void>((resolve) => server.close(resolve)),
  };
}

export type SmtpTestServer = Awaited<ReturnType<typeof startSmtpServer>>;

export function portOf(address: string | AddressInfo | null): number {
  assert.ok(address !== null && typeof address === 'object', 'server is not listening on TCP');
  return address.port;
}

/** A port nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = portOf(server.address());
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  return port;
}

interface MimePart {
  headers: Map<string, string>;
  body: string;
}

/** Splits raw MIME into unfolded headers (lower-case names) and the body. */
function parsePart(raw: string): MimePart {
  const split = raw.indexOf('\r\n\r\n');
  const head = split === -1 ? raw : raw.slice(0, split);
  const headers = new Map<string, string>();
  for (const field of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = field.indexOf(':');
    if (colon > 0) headers.set(field.slice(0, colon).trim().toLowerCase(), field.slice(colon + 1).trim());
  }
  return { headers, body: split === -1 ? '' : raw.slice(split + 4) };
}

/** Quoted-printable (RFC 2045 §6.7) to bytes, then UTF-8. */
function decodeQuotedPrintable(body: string): string {
  const bytes: number[] = [];
  const text = body.replace(/=\r\n/g, '');
  for (let index = 0; index < text.length; index++) {
    const hex = text.slice(index + 1, index + 3);
    if (text[index] === '=' && /^[0-9A-F]{2}$/i.test(hex)) {
      bytes.push(parseInt(hex, 16));
      index += 2;
    } else {
      bytes.push(text.charCodeAt(index));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function decodeBody(part: MimePart): string {
  const encoding = (part.headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(part.body);
  if (encoding === 'base64') return Buffer.from(part.body.replace(/\s+/g, ''), 'base64').toString('utf8');
  return Buffer.from(part.body, 'latin1').toString('utf8');
}

/** The top-level headers and the decoded text/plain and text/html parts of a multipart/alternative mail. */
export function parseMail(raw: string) {
  const top = parsePart(raw);
  const boundary = /boundary="?([^";]+)"?/.exec(top.headers.get('content-type') ?? '')?.[1];
  assert.ok(boundary, `no multipart boundary in ${top.headers.get('content-type')}`);
  // The CRLF before each delimiter belongs to the delimiter (RFC 2046 §5.1.1), not to the part.
  const parts = `\r\n${top.body}`
    .split(`\r\n--${boundary}`)
    .slice(1, -1)
    .map((chunk) => parsePart(chunk.replace(/^\r\n/, '')));
  const byType = (type: string) => {
    const part = parts.find((candidate) => candidate.headers.get('content-type')?.startsWith(type));
    assert.ok(part, `no ${type} part`);
    return decodeBody(part).replace(/\r\n/g, '\n');
  };
  return { headers: top.headers, text: byType('text/plain'), html: byType('text/html') };
}
