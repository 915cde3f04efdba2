import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { ConfigError } from '../../src/config.js';
import { createSmtpMailer } from '../../src/mail/smtp-mailer.js';
import { parseSmtpConfig } from '../../src/mail/smtp-config.js';
import { closedPort, parseMail, startSmtpServer, type SmtpTestServer } from '../support/smtp-capture.js';

const MESSAGE = {
  to: 'alice@example.com',
  subject: 'Transcript of your chat with Acme',
  text: 'Chat transcript - Acme\n\n[12:00:12] Alice: Grüße aus Köln, a long line '.padEnd(120, 'x') + '\n',
  html: '<!DOCTYPE html>\n<html><body><p style="margin:0;">Grüße &lt;b&gt; aus Köln</p></body></html>\n',
};

describe('createSmtpMailer against a real SMTP server', () => {
  let smtp: SmtpTestServer;
  before(async () => {
    smtp = await startSmtpServer();
  });
  after(async () => {
    await smtp.close();
  });

  it('delivers the message with envelope, headers and both parts', async () => {
    const mailer = createSmtpMailer({ url: `smtp://127.0.0.1:${smtp.port}`, from: 'Acme Support <support@acme.test>' });
    try {
      await mailer.send(MESSAGE);
    } finally {
      mailer.close();
    }
    assert.equal(smtp.received.length, 1);
    const [delivered] = smtp.received;
    assert.ok(delivered);
    assert.equal(delivered.mailFrom, 'support@acme.test');
    assert.deepEqual(delivered.rcptTo, ['alice@example.com']);
    assert.match(delivered.raw, /^Content-Type: text\/plain; charset=utf-8$/m);
    assert.match(delivered.raw, /^Content-Type: text\/html; charset=utf-8$/m);
    // The non-ASCII, long text line travels quoted-printable, so the decoding below is exercised.
    assert.match(delivered.raw, /^Content-Transfer-Encoding: quoted-printable$/m);

    const mail = parseMail(delivered.raw);
    assert.equal(mail.headers.get('from'), 'Acme Support <support@acme.test>');
    assert.equal(mail.headers.get('to'), 'alice@example.com');
    assert.equal(mail.headers.get('subject'), 'Transcript of your chat with Acme');
    assert.equal(mail.headers.has('bcc'), false);
    assert.equal(mail.text, MESSAGE.text);
    assert.equal(mail.html, MESSAGE.html);
  });

  it('refuses a recipient list or an injected header without contacting the server', async () => {
    const mailer = createSmtpMailer({ url: `smtp://127.0.0.1:${smtp.port}`, from: 'support@acme.test' });
    const before = smtp.received.length;
    try {
      for (const to of ['a@example.com,b@example.com', 'a@example.com\r\nBcc: b@example.com', 'A <a@example.com>']) {
        await assert.rejects(mailer.send({ ...MESSAGE, to }));
      }
    } finally {
      mailer.close();
    }
    assert.equal(smtp.received.length, before);
  });

  it('rejects when the server is down', async () => {
    const mailer = createSmtpMailer({ url: `smtp://127.0.0.1:${await closedPort()}`, from: 'support@acme.test' });
    try {
      await assert.rejects(mailer.send(MESSAGE));
    } finally {
      mailer.close();
    }
  });

  it('refuses an unusable from address at creation', () => {
    for (const from of ['', 'nobody', 'a@b.com, c@d.com', 'Name <a@b.com>\r\nBcc: c@d.com']) {
      assert.throws(() => createSmtpMailer({ url: `smtp://127.0.0.1:${smtp.port}`, from }), `from ${from}`);
    }
  });
});

describe('createSmtpMailer with credentials in the URL', () => {
  let smtp: SmtpTestServer;
  before(async () => {
    smtp = await startSmtpServer({
      authOptional: false,
      // Plain-text AUTH is fine on loopback in a test; production uses smtps:// or STARTTLS.
      allowInsecureAuth: true,
      onAuth(auth, _session, callback) {
        if (auth.username === 'mailer@acme.test' && auth.password === 'p:ss word') {
          callback(null, { user: auth.username });
        } else {
          callback(new Error('Invalid username or password'));
        }
      },
    });
  });
  after(async () => {
    await smtp.close();
  });

  it('authenticates with the user and password from the URL', async () => {
    const url = `smtp://${encodeURIComponent('mailer@acme.test')}:${encodeURIComponent('p:ss word')}@127.0.0.1:${smtp.port}`;
    const mailer = createSmtpMailer({ url, from: 'support@acme.test' });
    try {
      await mailer.send(MESSAGE);
    } finally {
      mailer.close();
    }
    assert.equal(smtp.received.length, 1);
    assert.equal(smtp.received[0]?.user, 'mailer@acme.test');
  });

  it('rejects when the server refuses the credentials', async () => {
    const mailer = createSmtpMailer({ url: `smtp://mailer:wrong@127.0.0.1:${smtp.port}`, from: 'support@acme.test' });
    try {
      await assert.rejects(mailer.send(MESSAGE));
    } finally {
      mailer.close();
    }
    assert.equal(smtp.received.length, 1);
  });
});

describe('parseSmtpConfig', () => {
  it('is undefined when PARLEY_SMTP_URL is unset or blank', () => {
    assert.equal(parseSmtpConfig({}), undefined);
    assert.equal(parseSmtpConfig({ PARLEY_SMTP_URL: '  ', PARLEY_SMTP_FROM: 'x@y.z' }), undefined);
  });

  it('reads the URL and defaults the sender', () => {
    assert.deepEqual(parseSmtpConfig({ PARLEY_SMTP_URL: 'smtp://mail.example.com:587' }), {
      url: 'smtp://mail.example.com:587',
      from: 'Parley <no-reply@localhost>',
    });
    assert.deepEqual(
      parseSmtpConfig({ PARLEY_SMTP_URL: 'smtps://u:p@mail.example.com', PARLEY_SMTP_FROM: 'Acme <help@acme.test>' }),
      { url: 'smtps://u:p@mail.example.com', from: 'Acme <help@acme.test>' },
    );
    assert.equal(
      parseSmtpConfig({ PARLEY_SMTP_URL: 'smtp://mail.example.com', PARLEY_SMTP_FROM: 'help@acme.test' })?.from,
      'help@acme.test',
    );
  });

  const refusedUrls = ['http://mail.example.com', 'mail.example.com:25', 'not a url', 'smtp://'];
  for (const url of refusedUrls) {
    it(`refuses PARLEY_SMTP_URL ${JSON.stringify(url)} without echoing it`, () => {
      assert.throws(
        () => parseSmtpConfig({ PARLEY_SMTP_URL: url }),
        (error: unknown) =>
          error instanceof ConfigError && error.message.startsWith('PARLEY_SMTP_URL:') && !error.message.includes(url),
      );
    });
  }

  it('does not echo a password from a refused URL', () => {
    assert.throws(
      () => parseSmtpConfig({ PARLEY_SMTP_URL: 'ftp://user:s3cret@mail.example.com' }),
      (error: unknown) => error instanceof ConfigError && !error.message.includes('s3cret'),
    );
  });

  for (const from of ['nobody', 'Acme', 'a@b.com, c@d.com', 'Acme <help@acme.test>\nBcc: x@y.z', 'Acme <>']) {
    it(`refuses PARLEY_SMTP_FROM ${JSON.stringify(from)}`, () => {
      assert.throws(
        () => parseSmtpConfig({ PARLEY_SMTP_URL: 'smtp://mail.example.com', PARLEY_SMTP_FROM: from }),
        (error: unknown) => error instanceof ConfigError && error.message.startsWith('PARLEY_SMTP_FROM:'),
      );
    });
  }
});
