/**
 * The chat transcript e-mail (server-chat §3.18): the visitor's lines in order, each with its time in
 * the visitor's time zone, its author and its text, as a plain-text and an HTML part.
 */
import { AppError, ErrorCode } from '../errors.js';
import type { MailMessage } from '../ports.js';
import { LineSource, SubType, type Chat, type ChatEvent } from './chat-model.js';

/** What a transcript is rendered from; the transport has already loaded the chat and its events. */
export interface TranscriptInput {
  chat: Chat;
  events: ChatEvent[];
  /** The account's display name: the default subject and the author of system lines. */
  accountName: string;
  /** The recipient; must pass {@link isValidEmailAddress}. */
  to: string;
  /** `transcriptWithSubjectRequest` (server-chat §3.18); the default names the account. */
  subject?: string;
  /** LivePerson's `timezoneOffset`: milliseconds from UTC, -7200000 = UTC-2. Default 0. */
  timezoneOffsetMs?: number;
  /** Author of agent lines that carry no name. */
  agentFallbackName?: string;
}

/** One rendered row: the same values feed both parts. */
interface TranscriptRow {
  time: string;
  author: string;
  text: string;
}

const MINUTE_MS = 60_000;
/** The widest offset a zone label can carry (±18:00, as ISO 8601 and Java's ZoneOffset allow). */
const MAX_OFFSET_MS = 18 * 60 * MINUTE_MS;
const MAX_SUBJECT_LENGTH = 250;
const NO_MESSAGES = 'There were no messages in this chat.';
const RICH_CONTENT_PLACEHOLDER = '[structured content]';

/**
 * Renders the transcript mail for a chat.
 * Only `line` events reach it, never `ONLY_TO_REP` lines (server-chat §4.2: the visitor never sees
 * them). Every text is escaped in the HTML part, agent HTML included, since it is mailed to a visitor.
 * Throws AppError VALIDATION (field `email`) when `to` is not a single plain address.
 */
export function renderTranscript(input: TranscriptInput): MailMessage {
  if (!isValidEmailAddress(input.to)) {
    throw new AppError(ErrorCode.VALIDATION, 'email must be a single valid e-mail address', { field: 'email' });
  }
  const offsetMs = normaliseOffset(input.timezoneOffsetMs);
  const zone = zoneLabel(offsetMs);
  const accountName = singleLine(input.accountName);
  const defaultSubject = `Transcript of your chat with ${accountName || 'us'}`;
  const subject = (singleLine(input.subject ?? '') || defaultSubject).slice(0, MAX_SUBJECT_LENGTH);
  const started = `${formatDate(input.chat.startTime, offsetMs)} ${formatTime(input.chat.startTime, offsetMs)} ${zone}`;

  const rows: TranscriptRow[] = input.events
    .filter((event) => event.type === 'line' && event.subType !== SubType.ONLY_TO_REP)
    .sort((a, b) => a.id - b.id)
    .map((event) => ({
      time: formatTime(event.time, offsetMs),
      author: authorOf(event, input, accountName),
      text: textOf(event),
    }));

  const header = { accountName, chatId: input.chat.id, started, zone };
  return {
    to: input.to,
    subject,
    text: renderText(header, rows),
    html: renderHtml(header, rows, subject),
  };
}

/**
 * Whether `address` is one plain e-mail address: no display name, no spaces or control characters,
 * one `@`, a dotted domain, at most 254 characters. Pragmatic, not RFC 5322: it refuses quoted local
 * parts and address lists so that nothing it accepts can add a recipient or a header.
 */
export function isValidEmailAddress(address: string): boolean {
  if (typeof address !== 'string' || address.length === 0 || address.length > 254) return false;
  const at = address.indexOf('@');
  if (at < 1 || at !== address.lastIndexOf('@')) return false;
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  // RFC 5321 limits the local part to 64 octets; dots may not lead, trail or repeat (RFC 5322 dot-atom).
  if (local.length > 64 || !LOCAL_PART.test(local)) return false;
  const labels = domain.split('.');
  if (labels.length < 2) return false;
  const tld = labels[labels.length - 1] ?? '';
  if (tld.length < 2 || /^\d+$/.test(tld)) return false;
  return labels.every((label) => label.length <= 63 && DOMAIN_LABEL.test(label));
}

// atext of RFC 5322 (plus letters and digits of any script, as SMTPUTF8 allows), dot-separated.
const LOCAL_PART = /^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+(?:\.[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+)*$/u;
const DOMAIN_LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?$/u;

function normaliseOffset(offsetMs: number | undefined): number {
  // Legacy clients send whatever their page computed; a nonsense offset falls back to UTC rather than
  // refusing a request LivePerson accepted.
  if (offsetMs === undefined || !Number.isFinite(offsetMs) || Math.abs(offsetMs) > MAX_OFFSET_MS) return 0;
  return Math.round(offsetMs / MINUTE_MS) * MINUTE_MS;
}

/** `GMT+05:30`, `GMT-02:00`, `GMT+00:00`. */
function zoneLabel(offsetMs: number): string {
  const minutes = Math.abs(offsetMs) / MINUTE_MS;
  return `GMT${offsetMs < 0 ? '-' : '+'}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

function formatDate(epochMs: number, offsetMs: number): string {
  const local = new Date(epochMs + offsetMs);
  return `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;
}

function formatTime(epochMs: number, offsetMs: number): string {
  const local = new Date(epochMs + offsetMs);
  return `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
}

const pad = (value: number): string => String(value).padStart(2, '0');

function authorOf(event: ChatEvent, input: TranscriptInput, accountName: string): string {
  const by = singleLine(event.by ?? '');
  switch (event.source) {
    case LineSource.SYSTEM:
      // System lines carry `by: "info"` on the wire (server-chat §4.2); the visitor knows the account.
      return accountName || 'System';
    case LineSource.AGENT:
      return by || singleLine(input.agentFallbackName ?? '') || singleLine(input.chat.agentName ?? '') || 'Agent';
    default:
      // The visitor's side calls an unnamed visitor "You" (server-chat §3.13).
      return by || singleLine(input.chat.visitorName ?? '') || 'You';
  }
}

function textOf(event: ChatEvent): string {
  const text = event.text ?? '';
  if (event.textType === 'rich-content') return text.trim() === '' ? RICH_CONTENT_PLACEHOLDER : text;
  // Agent HTML is flattened, never passed through: the mail must not carry markup a visitor did not see
  // coming from us, and the HTML part escapes the result like any other text.
  if (event.textType === 'html') return htmlToPlainText(text);
  return text.replace(/\r\n?/g, '\n');
}

/** Strips tags (dropping script and style content), keeps line breaks, decodes entities. */
function htmlToPlainText(html: string): string {
  const withoutCode = html
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|tr|h[1-6])\s*>/gi, '\n');
  const text = decodeEntities(withoutCode.replace(/<[^>]*>/g, ''));
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
};

function decodeEntities(text: string): string {
  return text.replace(/&(#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]+);/g, (entity, body: string) => {
    if (!body.startsWith('#')) return NAMED_ENTITIES[body.toLowerCase()] ?? entity;
    const codePoint = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
    const isScalar = codePoint > 0 && codePoint <= 0x10ffff && (codePoint < 0xd800 || codePoint > 0xdfff);
    return isScalar ? String.fromCodePoint(codePoint) : '\uFFFD';
  });
}

/** Names and subjects go on one line: control characters (CR/LF included) become spaces. */
function singleLine(value: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
  return value.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim();
}

interface TranscriptHeader {
  accountName: string;
  chatId: string;
  started: string;
  zone: string;
}

function renderText(header: TranscriptHeader, rows: TranscriptRow[]): string {
  const lines = [
    `Chat transcript${header.accountName ? ` - ${header.accountName}` : ''}`,
    `Chat ID: ${header.chatId}`,
    `Started: ${header.started}`,
    `Times are ${header.zone}.`,
    '',
  ];
  if (rows.length === 0) lines.push(NO_MESSAGES);
  for (const row of rows) {
    // Continuation lines are indented so every message still starts with its time.
    const [first = '', ...rest] = row.text.split('\n');
    lines.push(`[${row.time}] ${row.author}: ${first}`, ...rest.map((line) => `    ${line}`));
  }
  return `${lines.join('\n')}\n`;
}

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const escapeMultiline = (text: string): string => escapeHtml(text).replace(/\n/g, '<br>');

const CELL = 'padding:6px 8px;border-bottom:1px solid #e5e5e5;vertical-align:top;';
const HEAD_CELL = `${CELL}text-align:left;font-weight:bold;background:#f5f5f5;`;

function renderHtml(header: TranscriptHeader, rows: TranscriptRow[], subject: string): string {
  const title = `Chat transcript${header.accountName ? ` &ndash; ${escapeHtml(header.accountName)}` : ''}`;
  const body =
    rows.length === 0
      ? `<p style="margin:16px 0;">${NO_MESSAGES}</p>`
      : [
          '<table role="presentation" cellpadding="0" cellspacing="0" border="0" width="100%" ' +
            'style="border-collapse:collapse;font-size:14px;">',
          `<tr><th style="${HEAD_CELL}white-space:nowrap;">Time (${escapeHtml(header.zone)})</th>` +
            `<th style="${HEAD_CELL}">From</th><th style="${HEAD_CELL}">Message</th></tr>`,
          ...rows.map(
            (row) =>
              `<tr><td style="${CELL}white-space:nowrap;color:#666666;">${escapeHtml(row.time)}</td>` +
              `<td style="${CELL}font-weight:bold;">${escapeHtml(row.author)}</td>` +
              `<td style="${CELL}">${escapeMultiline(row.text)}</td></tr>`,
          ),
          '</table>',
        ].join('\n');
  return [
    '<!DOCTYPE html>',
    '<html>',
    '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(subject)}</title></head>`,
    '<body style="margin:0;padding:16px;font-family:Arial,Helvetica,sans-serif;color:#222222;">',
    `<h1 style="font-size:18px;margin:0 0 8px;">${title}</h1>`,
    `<p style="margin:0 0 16px;font-size:13px;color:#666666;">Chat ID: ${escapeHtml(header.chatId)}<br>` +
      `Started: ${escapeHtml(header.started)}</p>`,
    body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
