import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSmtpMailer } from '../../src/mail/smtp-mailer.js';
import { assertJsonError } from '../support/chat-clients.js';
import { databaseTargets } from '../support/databases.js';
import { closedPort, parseMail, startSmtpServer } from '../support/smtp-capture.js';
import { send } from '../support/http-client.js';
import {
  acceptAs,
  accountSeed,
  applySeed,
  putAgentOnline,
  startTestServer,
  type TestServer,
} from '../support/test-server.js';

// Send a Transcript (server-chat §3.18) end to end: a real listening Parley, the real SMTP mailer,
// and a real SMTP server on loopback whose received messages are read back and decoded.

const SECOND = 1_000;
const ALICE = 2001;
const UTC_MINUS_2 = -7_200_000;
const SCRIPT_LINE = '<script>alert(1)</script>';

for (const target of await databaseTargets()) {
  describe(`visitor transcripts by e-mail on ${target.name}`, { skip: target.unavailable }, () => {
    let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
    let mailer: ReturnType<typeof createSmtpMailer>;
    let downMailer: ReturnType<typeof createSmtpMailer>;
    let server: TestServer;
    let withoutMailer: TestServer;
    let mailServerDown: TestServer;
    const { accountId, seed } = accountSeed();
    const appKey = seed.accounts[0]?.appKeys[0] ?? '';
    const accountName = seed.accounts[0]?.name ?? '';

    before(async () => {
      smtp = await startSmtpServer();
      mailer = createSmtpMailer({ url: `smtp://127.0.0.1:${smtp.port}`, from: 'Parley <parley@example.com>' });
      downMailer = createSmtpMailer({ url: `smtp://127.0.0.1:${await closedPort()}`, from: 'parley@example.com' });
      server = await startTestServer(target, { mailer });
      withoutMailer = await startTestServer(target);
      mailServerDown = await startTestServer(target, { mailer: downMailer });
      for (const each of [server, withoutMailer, mailServerDown]) await applySeed(each.core, seed);
    });
    after(async () => {
      for (const each of [server, withoutMailer, mailServerDown]) await each.close();
      mailer.close();
      downMailer.close();
      await smtp.close();
    });

    const url = (path: string) => `/api/account/${accountId}${path}?appKey=${appKey}`;
    /** An override PUT, as the SDK sends it (server-chat §1.6). */
    const put = (on: TestServer, path: string, body: unknown) =>
      send(on.baseUrl, 'POST', url(path), { body, headers: { 'X-HTTP-Method-Override': 'PUT' } });

    /**
     * A chat on `on`: the visitor (named Phil) and alice exchange lines 10 s apart, the last visitor
     * line being markup. The clock starts at 09:30:00 UTC.
     */
    async function chatWithLines(on: TestServer): Promise<string> {
      await putAgentOnline(on, accountId, ALICE);
      const start = await send(on.baseUrl, 'POST', url('/chat/request.json'), {
        body: { request: { skill: 'Sales' } },
      });
      assert.equal(start.status, 201, start.text);
      const chatId = (start.header('location') ?? '').split('/').pop() ?? '';
      assert.equal((await put(on, `/chat/${chatId}/info/visitorName.json`, { visitorName: 'Phil' })).status, 200);
      on.clock.advance(5 * SECOND);
      const alice = await acceptAs(on, accountId, chatId, ALICE);
      const visitorLine = async (text: string) => {
        on.clock.advance(10 * SECOND);
        const response = await send(on.baseUrl, 'POST', url(`/chat/${chatId}/events.json`), {
          body: { event: { '@type': 'line', text } },
        });
        assert.equal(response.status, 201, response.text);
      };
      await visitorLine('Hi, my order has not arrived');
      on.clock.advance(10 * SECOND);
      await on.core.chats.agentActions.sendLine(accountId, chatId, alice, 'Let me check that for you');
      await visitorLine(SCRIPT_LINE);
      return chatId;
    }

    it('mails the transcript: recipient, each line with author and local time, script text escaped', async () => {
      const chatId = await chatWithLines(server);
      const before = smtp.received.length;

      const response = await put(server, `/chat/${chatId}/transcriptRequest.json`, {
        email: 'phil@example.com',
        timezoneOffset: UTC_MINUS_2,
      });
      assert.equal(response.status, 200, response.text);
      assert.equal(response.text, '');

      assert.equal(smtp.received.length, before + 1);
      const delivered = smtp.received[before];
      assert.ok(delivered !== undefined);
      assert.deepEqual(delivered.rcptTo, ['phil@example.com']);
      const mail = parseMail(delivered.raw);
      assert.equal(mail.headers.get('to'), 'phil@example.com');
      assert.equal(mail.headers.get('from'), 'Parley <parley@example.com>');
      assert.equal(mail.headers.get('subject'), `Transcript of your chat with ${accountName}`);

      // 09:30:00 UTC is 07:30:00 at UTC-2; the lines came at +15 s, +25 s and +35 s.
      const expectedRows = [
        `[07:30:00] ${accountName}: Thank you for choosing to chat with us.  An agent will be with you shortly.`,
        `[07:30:05] ${accountName}: You are now chatting with Alice.`,
        '[07:30:15] Phil: Hi, my order has not arrived',
        '[07:30:25] Alice: Let me check that for you',
        `[07:30:35] Phil: ${SCRIPT_LINE}`,
      ];
      const rows = mail.text.split('\n').filter((line) => line.startsWith('['));
      assert.deepEqual(rows, expectedRows);
      assert.match(mail.text, /^Times are GMT-02:00\.$/m);
      assert.match(mail.text, new RegExp(`^Chat ID: ${chatId}$`, 'm'));

      assert.ok(mail.html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), mail.html);
      assert.ok(!mail.html.includes(SCRIPT_LINE), 'the visitor markup reached the HTML part unescaped');
      assert.ok(!/<script/i.test(mail.html));
      for (const text of ['Hi, my order has not arrived', 'Let me check that for you', '07:30:35', 'Phil', 'Alice']) {
        assert.ok(mail.html.includes(text), `the HTML part lacks ${text}`);
      }
      assert.ok(mail.html.includes('GMT-02:00'));
    });

    it('uses the subject given to transcriptWithSubjectRequest', async () => {
      const chatId = await chatWithLines(server);
      const before = smtp.received.length;
      const response = await put(server, `/chat/${chatId}/transcriptWithSubjectRequest.json`, {
        email: 'phil@example.com',
        subject: 'Our chat about order 1234',
        timezoneOffset: 0,
      });
      assert.equal(response.status, 200, response.text);
      assert.equal(smtp.received.length, before + 1);
      const mail = parseMail(smtp.received[before]?.raw ?? '');
      assert.equal(mail.headers.get('subject'), 'Our chat about order 1234');
      assert.match(mail.text, /^Times are GMT\+00:00\.$/m);
      assert.ok(mail.text.includes('] Phil: Hi, my order has not arrived\n'));
    });

    it('is allowed after the chat ended', async () => {
      const chatId = await chatWithLines(server);
      const end = await send(server.baseUrl, 'POST', url(`/chat/${chatId}/events.json`), {
        body: { event: { '@type': 'state', state: 'ended' } },
      });
      assert.equal(end.status, 201);
      const before = smtp.received.length;
      const response = await put(server, `/chat/${chatId}/transcriptRequest.json`, { email: 'phil@example.com' });
      assert.equal(response.status, 200, response.text);
      assert.equal(smtp.received.length, before + 1);
    });

    it('refuses a malformed address with 400 / 40 and sends nothing', async () => {
      const chatId = await chatWithLines(server);
      const before = smtp.received.length;
      for (const email of ['', 'phil', 'phil@', 'phil@example', 'phil@example.com, eve@example.com', 'P <p@x.com>']) {
        const response = await put(server, `/chat/${chatId}/transcriptRequest.json`, { email });
        assertJsonError(response, 400, 40);
      }
      assertJsonError(await put(server, `/chat/${chatId}/transcriptRequest.json`, {}), 400, 40);
      assert.equal(smtp.received.length, before);
    });

    it('answers 404 / 42 on a server without a mailer', async () => {
      const chatId = await chatWithLines(withoutMailer);
      const before = smtp.received.length;
      const response = await put(withoutMailer, `/chat/${chatId}/transcriptRequest.json`, {
        email: 'phil@example.com',
      });
      assertJsonError(response, 404, 42);
      assert.equal(smtp.received.length, before);
    });

    it('answers 503 / 99 when the mail server is down', async () => {
      const chatId = await chatWithLines(mailServerDown);
      const response = await put(mailServerDown, `/chat/${chatId}/transcriptRequest.json`, {
        email: 'phil@example.com',
      });
      assertJsonError(response, 503, 99);
      assert.doesNotMatch(response.text, /ECONNREFUSED|127\.0\.0\.1/, 'the transport error reached the visitor');
    });

    it('answers 404 / 42 for an unknown chat', async () => {
      const response = await put(server, '/chat/H1-00000000000000000000000000000000K0000000/transcriptRequest.json', {
        email: 'phil@example.com',
      });
      assertJsonError(response, 404, 42);
    });
  });
}
