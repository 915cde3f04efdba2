import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { ChatEvent } from '../../src/core/chats/chat-model.js';
import { isValidEmailAddress, renderTranscript } from '../../src/core/chats/transcript.js';
import { AppError, ErrorCode } from '../../src/core/errors.js';
import { SAMPLE_CHAT_START as START, sampleChat as chat } from '../support/chat-fixture.js';

const SECOND = 1000;

let nextId = 0;
function line(offsetSeconds: number, fields: Partial<ChatEvent>): ChatEvent {
  return { id: nextId++, type: 'line', time: START + offsetSeconds * SECOND, subType: 'REGULAR', ...fields };
}
const visitorLine = (at: number, text: string): ChatEvent =>
  line(at, { textType: 'plain', text, by: 'Alice', source: 'visitor' });
const agentLine = (at: number, text: string, fields: Partial<ChatEvent> = {}): ChatEvent =>
  line(at, { textType: 'plain', text, by: 'Bob', source: 'agent', ...fields });

function conversation(): ChatEvent[] {
  nextId = 0;
  return [
    line(0, { textType: 'plain', text: 'Thank you for choosing to chat with us.', by: 'info', source: 'system' }),
    { id: nextId++, type: 'state', time: START + 5 * SECOND, state: 'chatting' },
    agentLine(6, 'Hi, I am Bob. How can I help?'),
    visitorLine(12, 'hello'),
    agentLine(15, 'Customer seems angry', { subType: 'ONLY_TO_REP' }),
    agentLine(20, 'Let me check that for you.'),
  ];
}

const render = (events: ChatEvent[], extra: { subject?: string; timezoneOffsetMs?: number } = {}) =>
  renderTranscript({ chat: chat(), events, accountName: 'Acme', to: 'alice@example.com', ...extra });

describe('renderTranscript', () => {
  it('lists the lines in order with author and UTC times by default', () => {
    const mail = render(conversation());
    assert.equal(mail.to, 'alice@example.com');
    assert.match(mail.text, /Chat ID: H1234567890123456789-0123456789abcdef0123456789abcdefK1234567/);
    assert.match(mail.text, /Started: 2024-05-01 12:00:00 GMT\+00:00/);
    const rows = mail.text.split('\n').filter((row) => row.startsWith('['));
    assert.deepEqual(rows, [
      '[12:00:00] Acme: Thank you for choosing to chat with us.',
      '[12:00:06] Bob: Hi, I am Bob. How can I help?',
      '[12:00:12] Alice: hello',
      '[12:00:20] Bob: Let me check that for you.',
    ]);
  });

  it('shifts times by timezoneOffset and labels the zone', () => {
    const west = render(conversation(), { timezoneOffsetMs: -7_200_000 });
    assert.match(west.text, /Started: 2024-05-01 10:00:00 GMT-02:00/);
    assert.match(west.text, /^\[10:00:12\] Alice: hello$/m);
    assert.match(west.html, /Time \(GMT-02:00\)/);
    assert.match(west.html, />10:00:12</);

    const india = render(conversation(), { timezoneOffsetMs: 19_800_000 });
    assert.match(india.text, /Started: 2024-05-01 17:30:00 GMT\+05:30/);

    const pastMidnight = renderTranscript({
      chat: chat({ startTime: Date.UTC(2024, 4, 1, 23, 30) }),
      events: [],
      accountName: 'Acme',
      to: 'alice@example.com',
      timezoneOffsetMs: 3_600_000,
    });
    assert.match(pastMidnight.text, /Started: 2024-05-02 00:30:00 GMT\+01:00/);
  });

  it('falls back to UTC for a nonsense offset', () => {
    for (const timezoneOffsetMs of [Number.NaN, Number.POSITIVE_INFINITY, 10 * 24 * 3_600_000]) {
      assert.match(render(conversation(), { timezoneOffsetMs }).text, /GMT\+00:00/);
    }
  });

  it('excludes agent-only lines and state events', () => {
    const mail = render(conversation());
    for (const part of [mail.text, mail.html]) {
      assert.doesNotMatch(part, /Customer seems angry/);
      assert.doesNotMatch(part, /chatting/);
    }
  });

  it('escapes hostile visitor text in HTML and keeps it verbatim in text', () => {
    nextId = 0;
    const hostile = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>'];
    const mail = render(hostile.map((text, index) => visitorLine(index, text)));
    for (const text of hostile) assert.ok(mail.text.includes(`Alice: ${text}`), mail.text);
    assert.ok(mail.html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(mail.html.includes('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;'));
    assert.doesNotMatch(mail.html, /<script|<img/i);
  });

  it('escapes hostile names, account name and subject', () => {
    nextId = 0;
    const mail = renderTranscript({
      chat: chat(),
      events: [line(0, { textType: 'plain', text: 'hi', by: '<b onmouseover=x>Eve</b>', source: 'visitor' })],
      accountName: '<i>Acme</i>',
      to: 'alice@example.com',
      subject: '<svg onload=alert(1)>',
    });
    assert.doesNotMatch(mail.html, /<b |<i>|<svg/);
    assert.ok(mail.html.includes('&lt;b onmouseover=x&gt;Eve&lt;/b&gt;'));
    assert.ok(mail.html.includes('<title>&lt;svg onload=alert(1)&gt;</title>'));
  });

  it('flattens agent HTML lines to escaped plain text', () => {
    nextId = 0;
    const html =
      '<p>Hello <b>there</b> &amp; welcome</p><script>steal()</script><a href="https://x">link</a>' +
      '<br>&lt;not a tag&gt; caf&#233; &#x263A;';
    const mail = render([agentLine(0, html, { textType: 'html' })]);
    assert.ok(mail.text.includes('Bob: Hello there & welcome\n    link\n    <not a tag> café ☺'), mail.text);
    assert.doesNotMatch(mail.text, /steal|<p>|<b>|href/);
    assert.ok(mail.html.includes('Hello there &amp; welcome<br>link<br>&lt;not a tag&gt; café ☺'), mail.html);
    assert.doesNotMatch(mail.html, /<b>|<a |<script|steal/);
  });

  it('shows rich content by its text or a placeholder', () => {
    nextId = 0;
    const mail = render([
      agentLine(0, 'Pick a size', { textType: 'rich-content', json: { type: 'vertical' } }),
      agentLine(1, '', { textType: 'rich-content', json: { type: 'vertical' } }),
    ]);
    assert.match(mail.text, /\[12:00:00\] Bob: Pick a size/);
    assert.match(mail.text, /\[12:00:01\] Bob: \[structured content\]/);
    assert.match(mail.html, /\[structured content\]/);
  });

  it('names authors from fallbacks when lines carry no name', () => {
    nextId = 0;
    const events = [
      line(0, { textType: 'plain', text: 'a', source: 'agent' }),
      line(1, { textType: 'plain', text: 'b', source: 'visitor' }),
      line(2, { textType: 'plain', text: 'c', by: 'info', source: 'system' }),
    ];
    const withFallback = renderTranscript({
      chat: chat({ agentName: null, visitorName: null }),
      events,
      accountName: '',
      to: 'alice@example.com',
      agentFallbackName: 'Support',
    });
    assert.match(withFallback.text, /\] Support: a$/m);
    assert.match(withFallback.text, /\] You: b$/m);
    assert.match(withFallback.text, /\] System: c$/m);
    const fromChat = renderTranscript({ chat: chat(), events, accountName: 'Acme', to: 'alice@example.com' });
    assert.match(fromChat.text, /\] Bob: a$/m);
    assert.match(fromChat.text, /\] Alice: b$/m);
  });

  it('indents continuation lines of multi-line messages', () => {
    nextId = 0;
    const mail = render([visitorLine(0, 'first\r\nsecond')]);
    assert.ok(mail.text.includes('[12:00:00] Alice: first\n    second\n'));
    assert.ok(mail.html.includes('first<br>second'));
  });

  it('still renders a valid mail for a chat without lines', () => {
    nextId = 0;
    const mail = render([{ id: 0, type: 'state', time: START, state: 'ended' }]);
    assert.match(mail.text, /There were no messages in this chat\./);
    assert.match(mail.html, /There were no messages in this chat\./);
    assert.match(mail.html, /^<!DOCTYPE html>/);
    assert.doesNotMatch(mail.html, /<table/);
  });

  it('produces a self-contained HTML document', () => {
    const { html } = render(conversation());
    assert.match(html, /<html>[\s\S]*<\/html>/);
    assert.doesNotMatch(html, /<script|<link|<style|<img|src=|url\(|@import/i);
  });

  it('uses the default subject, or the given one on a single line', () => {
    assert.equal(render([]).subject, 'Transcript of your chat with Acme');
    assert.equal(render([], { subject: '   ' }).subject, 'Transcript of your chat with Acme');
    assert.equal(render([], { subject: 'Our chat' }).subject, 'Our chat');
    assert.equal(render([], { subject: 'Hi\r\nBcc: evil@example.com' }).subject, 'Hi Bcc: evil@example.com');
    assert.equal(render([], { subject: 'x'.repeat(1000) }).subject.length, 250);
  });

  it('refuses an invalid recipient with a validation error on email', () => {
    assert.throws(
      () => renderTranscript({ chat: chat(), events: [], accountName: 'Acme', to: 'a@b.com\r\nBcc: c@d.com' }),
      (error: unknown) => error instanceof AppError && error.code === ErrorCode.VALIDATION && error.field === 'email',
    );
  });
});

describe('isValidEmailAddress', () => {
  const accepted = [
    'a@b.co',
    'x@example.com',
    'first.last+tag@mail.example.org',
    "o'brien@example.ie",
    'user_name-1@sub-domain.example.co.uk',
    'jörg@bücher.de',
  ];
  const refused = [
    '',
    'plain',
    '@example.com',
    'user@',
    'user@localhost',
    'user@example.c',
    'user@127.0.0.1',
    'x@example.com\r\nBcc: y@z.com',
    'x@example.com\nBcc: y@z.com',
    'two@a.com,three@b.com',
    'two@a.com;three@b.com',
    'a@b@c.com',
    'Alice <alice@example.com>',
    '"alice"@example.com',
    'alice @example.com',
    ' alice@example.com',
    'alice@example.com ',
    'alice\t@example.com',
    '.alice@example.com',
    'alice.@example.com',
    'al..ice@example.com',
    'alice@-example.com',
    'alice@example-.com',
    'alice@example..com',
    'alice@.example.com',
    'alice@example.com.',
    `${'a'.repeat(65)}@example.com`,
    `a@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.${'e'.repeat(60)}.com`,
    `a@${'b'.repeat(64)}.com`,
  ];

  for (const address of accepted) {
    it(`accepts ${JSON.stringify(address)}`, () => assert.equal(isValidEmailAddress(address), true));
  }
  for (const address of refused) {
    it(`refuses ${JSON.stringify(address)}`, () => assert.equal(isValidEmailAddress(address), false));
  }
});
