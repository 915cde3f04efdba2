import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { VisitorClient } from '../../packages/sdk/src/index.js';
import {
  browserUnavailable,
  launchBrowser,
  logIn,
  openContext,
  screenshot,
  shows,
  transcript,
} from '../support/browser.js';
import { databaseTargets } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { startSdkServer } from '../support/sdk.js';

const [sqlite] = await databaseTargets();
const unavailable = browserUnavailable();

type Fixture = Awaited<ReturnType<typeof startSdkServer>>;
type Agent = Awaited<ReturnType<typeof openContext>>;

/** Generous: the machine is shared with other test runs. */
const WAIT = { timeoutMs: 20_000 };

/**
 * Runs in the page before its scripts: counts the ring cue's tones, lets the test put the page in
 * the background (document.hidden), and records desktop notifications rather than showing them.
 * Plain JavaScript: a compiled function could refer to helpers the page does not have.
 */
const INSTRUMENT = `
  window.parleyTest = { tones: 0, notifications: [], hidden: false };
  if (typeof AudioContext === 'function') {
    const create = AudioContext.prototype.createOscillator;
    AudioContext.prototype.createOscillator = function () {
      window.parleyTest.tones += 1;
      return create.call(this);
    };
  }
  Object.defineProperty(document, 'hidden', { get: () => window.parleyTest.hidden, configurable: true });
  function RecordedNotification(title, options) {
    window.parleyTest.notifications.push({ title, body: (options && options.body) || '' });
    this.onclick = null;
    this.close = function () {};
  }
  RecordedNotification.permission = 'default';
  RecordedNotification.requestPermission = function () {
    RecordedNotification.permission = 'granted';
    return Promise.resolve('granted');
  };
  window.Notification = RecordedNotification;
`;

/** The computed `direction` of an element (run in the page). */
const directionOf = (element: unknown): string =>
  (
    element as { ownerDocument: { defaultView: { getComputedStyle(of: unknown): { direction: string } } } }
  ).ownerDocument.defaultView.getComputedStyle(element).direction;

/** Whether the element has the focus (run in the page). */
const isFocused = (element: unknown): boolean =>
  element === (element as { ownerDocument: { activeElement: unknown } }).ownerDocument.activeElement;

type Instrumented = {
  parleyTest: { tones: number; notifications: { title: string; body: string }[]; hidden: boolean };
};
const tones = (page: Page) => page.evaluate(() => (globalThis as unknown as Instrumented).parleyTest.tones);

describe('the agent workspace’s details in real Chromium', { skip: unavailable, timeout: 300_000 }, () => {
  let fixture: Fixture;
  let browser: Browser;
  const visitors: VisitorClient[] = [];

  before(async () => {
    fixture = await startSdkServer(sqlite!);
    browser = await launchBrowser();
  });
  after(async () => {
    await Promise.all(visitors.map((visitor) => visitor.end().catch(() => undefined)));
    await browser?.close();
    await fixture?.close();
  });

  /** alice, logged in and Online in a fresh, instrumented page. */
  const aliceOnline = async (): Promise<Agent> => {
    const agent = await openContext(browser, 1280);
    agent.context.setDefaultTimeout(20_000);
    await agent.page.addInitScript(INSTRUMENT);
    await logIn(agent.page, fixture, 'alice', 'alice-pass');
    return agent;
  };

  /** A visitor asking Sales for a chat. */
  const visitorAsks = async (visitorName?: string): Promise<VisitorClient> => {
    const { baseUrl, accountId, appKey } = fixture;
    const visitor = await VisitorClient.startChat({
      baseUrl,
      accountId,
      appKey,
      skill: 'Sales',
      keepAliveMs: 0,
      ...(visitorName === undefined ? {} : { visitorName }),
    });
    visitors.push(visitor);
    return visitor;
  };

  /** Accepts the ringing chat and waits for its tab. */
  const accept = async (page: Page, tabName: RegExp) => {
    await page.getByRole('button', { name: 'Accept' }).first().click();
    await page.getByRole('tab', { name: tabName }).waitFor();
  };

  /** Signs out (no agent session left behind for the next test) and closes the context. */
  const finish = async (agent: Agent, ...chats: VisitorClient[]) => {
    for (const chat of chats) await chat.end().catch(() => undefined);
    await agent.page.getByRole('button', { name: 'Sign out' }).click();
    await agent.page.getByLabel('Password').waitFor();
    assert.deepEqual(agent.problems, []);
    await agent.context.close();
  };

  it('after a wrong password the focus is on the password field, ready to type again', async () => {
    const agent = await openContext(browser, 1280);
    agent.context.setDefaultTimeout(20_000);
    const { page } = agent;
    await page.goto(`${fixture.baseUrl}/workspace`);
    await page.getByLabel('Account').fill(fixture.accountId);
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill('not-her-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page
      .getByRole('alert')
      .getByText(/not correct/)
      .waitFor();
    const focused = page.getByLabel('Password');
    await eventually('the password field has the focus', () => focused.evaluate(isFocused), WAIT);
    // Typing replaces the wrong password (it was selected).
    await page.keyboard.type('alice-pass');
    assert.equal(await focused.inputValue(), 'alice-pass');
    await page.keyboard.press('Enter');
    await page.getByLabel('Availability').waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Password').waitFor();
    assert.deepEqual(agent.problems, []);
    await agent.context.close();
  });

  it('a ring is announced, its cue repeats until answered, and the title counts it; a named visitor types', async () => {
    const agent = await aliceOnline();
    const { page } = agent;
    const visitor = await visitorAsks('🎉 Pam');
    const announcements = page.getByRole('status', { name: 'Announcements' });
    await announcements.getByText(/New chat request/).waitFor();
    assert.match((await announcements.textContent()) ?? '', /New chat request for Sales\. 1 waiting\./);
    assert.match(await page.title(), /^\(1\) Parley/);
    // Each beep is two tones: a cue that repeats has sounded at least twice.
    await eventually('the ring cue repeats', async () => (await tones(page)) >= 4, WAIT);
    await accept(page, /Pam/);
    // Answered: the cue stops (a beep already under way may still finish).
    const afterAccept = await tones(page);
    await page.waitForTimeout(4_000);
    assert.ok((await tones(page)) <= afterAccept + 2, 'no more beeps once nothing rings');

    // The emoji is the avatar's initial, whole.
    const avatar = page.getByRole('tab', { name: /Pam/ }).locator('.visitor-avatar');
    assert.equal(await avatar.textContent(), '🎉P');

    // The visitor types: the indicator says who.
    await visitor.setTyping(true);
    await page.getByText('🎉 Pam is typing…').waitFor();
    await screenshot(page, 'workspace-details-1-typing');
    await finish(agent, visitor);
  });

  it('lines and the composer follow the text’s direction; an unnamed visitor stays "Visitor" after a reload', async () => {
    const agent = await aliceOnline();
    const { page } = agent;
    const visitor = await visitorAsks();
    await accept(page, /^Visitor/);
    await visitor.sendLine('مرحبا، أريد شراء دراجة');
    await visitor.sendLine('שלום');
    const arabic = transcript(page).getByText('مرحبا، أريد شراء دراجة');
    await arabic.waitFor();
    assert.equal(await arabic.getAttribute('dir'), 'auto');
    assert.equal(await arabic.evaluate(directionOf), 'rtl');
    const message = page.getByRole('textbox', { name: 'Message' });
    assert.equal(await message.getAttribute('dir'), 'auto');
    await message.fill('שלום, איך אפשר לעזור?');
    assert.equal(await message.evaluate(directionOf), 'rtl');
    await message.fill('');

    await page.reload();
    await shows(page, 'שלום');
    const authors = await transcript(page).locator('.line-visitor .line-by').allTextContents();
    assert.ok(authors.length >= 2);
    assert.ok(
      authors.every((author) => author === 'Visitor'),
      `the visitor's lines are by "Visitor": ${authors.join(', ')}`,
    );
    assert.equal(await page.getByRole('tab', { name: /^You/ }).count(), 0);
    await page.getByRole('tab', { name: /^Visitor/ }).waitFor();
    await finish(agent, visitor);
  });

  it('a second Enter while a line is sending queues the next line: both arrive, in order', async () => {
    const agent = await aliceOnline();
    const { page } = agent;
    const visitor = await visitorAsks('Quinn');
    await accept(page, /Quinn/);
    // Lines take a while to be accepted, as on a slow connection.
    await page.route(
      (url) => /\/chat\/[^/]+\/events/.test(url.pathname),
      async (route) => {
        if (route.request().method() === 'POST') await new Promise((resolve) => setTimeout(resolve, 1_500));
        await route.continue();
      },
    );
    const message = page.getByRole('textbox', { name: 'Message' });
    await message.fill('First line');
    await message.press('Enter');
    await message.fill('Second line');
    await message.press('Enter');
    // Both are shown as sending; the box is free for the next one.
    const outbox = page.getByRole('list', { name: 'Sending' });
    await outbox.getByText('Second line').waitFor();
    assert.equal(await message.inputValue(), '');
    await eventually(
      'both lines reached the visitor, in order',
      async () => {
        const lines = (await visitor.history()).filter((event) => event.source === 'agent').map((event) => event.text);
        return lines.includes('First line') && lines.includes('Second line')
          ? lines.indexOf('First line') < lines.indexOf('Second line')
          : false;
      },
      WAIT,
    );
    await outbox.waitFor({ state: 'detached' });
    await page.unroute((url) => /\/chat\/[^/]+\/events/.test(url.pathname));
    await finish(agent, visitor);
  });

  it('End chat asks first; the transfer dialog closes, with a notice, when the visitor ends the chat', async () => {
    const agent = await aliceOnline();
    const { page } = agent;
    const visitor = await visitorAsks('Rita');
    await accept(page, /Rita/);

    await page.getByRole('button', { name: 'End chat' }).click();
    const confirm = page.getByRole('group', { name: 'End this chat?' });
    await confirm.waitFor();
    const yes = confirm.getByRole('button', { name: 'Yes, end it' });
    await eventually('the confirmation has the focus', () => yes.evaluate(isFocused), WAIT);
    await confirm.getByRole('button', { name: 'Keep chatting' }).click();
    await confirm.waitFor({ state: 'detached' });
    assert.equal((await visitor.info()).state, 'chatting', 'nothing ended without the confirmation');

    await page.getByRole('button', { name: 'Transfer' }).click();
    const dialog = page.getByRole('dialog', { name: 'Transfer chat' });
    await dialog.waitFor();
    await visitor.end();
    await dialog.waitFor({ state: 'detached' });
    await page.getByText('The chat ended, so it was not transferred.').waitFor();
    await finish(agent);
  });

  it('End chat, confirmed, ends the chat', async () => {
    const agent = await aliceOnline();
    const { page } = agent;
    const visitor = await visitorAsks('Sam');
    await accept(page, /Sam/);
    await page.getByRole('button', { name: 'End chat' }).click();
    await page.getByRole('button', { name: 'Yes, end it' }).click();
    await page.getByRole('button', { name: 'Submit survey' }).waitFor();
    await eventually('the chat ended', async () => (await visitor.info()).state === 'ended', WAIT);
    await finish(agent);
  });

  it('the title counts unread visitor lines; desktop notifications, once enabled, tell of lines in the background', async () => {
    const agent = await aliceOnline();
    const { page } = agent;
    const first = await visitorAsks('Tara');
    await accept(page, /Tara/);
    const second = await visitorAsks('Uma');
    await accept(page, /Uma/);
    await page.getByRole('tab', { name: /Uma/ }).click();

    // A line in the chat not in view: counted in the title and on its tab.
    await first.sendLine('Are you there?');
    await page.getByRole('tab', { name: 'Tara (1 unread)' }).waitFor();
    await eventually('the title counts it', async () => /^\(1\) Parley/.test(await page.title()), WAIT);
    await page.getByRole('tab', { name: /Tara/ }).click();
    await eventually('read: the title is plain again', async () => /^Parley/.test(await page.title()), WAIT);

    // Opt in: the browser is asked only now.
    await page.getByRole('button', { name: 'Enable desktop notifications' }).click();
    await page.getByRole('button', { name: 'Turn off desktop notifications' }).waitFor();
    // The page goes to the background: a line in the chat in front now counts, and is notified.
    await page.evaluate(() => {
      (globalThis as unknown as Instrumented).parleyTest.hidden = true;
    });
    await first.sendLine('Hello?');
    await eventually(
      'the title counts the line in the hidden page',
      async () => /^\(1\) Parley/.test(await page.title()),
      WAIT,
    );
    const notifications = await page.evaluate(() => (globalThis as unknown as Instrumented).parleyTest.notifications);
    assert.deepEqual(notifications, [{ title: 'New message from Tara', body: 'Hello?' }]);
    await finish(agent, first, second);
  });
});
