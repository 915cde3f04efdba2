import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { AgentClient, type AgentChat } from '../../packages/sdk/src/index.js';
import type { Mailer } from '../../src/core/ports.js';
import {
  browserUnavailable,
  launchBrowser,
  openContext,
  requestChat,
  screenshot,
  shows,
  transcript,
} from '../support/browser.js';
import { chatsInState } from '../support/chats-in-state.js';
import { databaseTargets } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/free-port.js';
import { startSdkServer } from '../support/sdk.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const [sqlite] = await databaseTargets();
const unavailable = browserUnavailable();

type Fixture = Awaited<ReturnType<typeof startSdkServer>>;

/** Generous: the machine is busy while others run their tests. */
const LONG = { timeoutMs: 90_000, intervalMs: 100 };

/** Closes a server without dropping its database (it is started again on it). */
async function stop(server: TestServer): Promise<void> {
  server.app.server.closeAllConnections();
  await server.app.close();
  await server.store.close();
}

/** echo-bot (Sales and Support, unlimited chats), Online; short retries, the test's own client. */
async function onlineBot(fixture: { baseUrl: string; accountId: string; botKey: Fixture['botKey'] }) {
  const { appKey, secret, accessToken, accessTokenSecret } = fixture.botKey;
  const bot = await AgentClient.login({
    baseUrl: fixture.baseUrl,
    accountId: fixture.accountId,
    username: 'echo-bot',
    appKey,
    secret,
    accessToken,
    accessTokenSecret,
    retry: { delaysMs: [250, 500, 1_000], recoveryDelayMs: 1_000, recoveryFactor: 1, recoveryMaxDelayMs: 1_000 },
  });
  await bot.setAvailability('Online');
  return bot;
}

/** Accepts the next chat that rings at `agent`. */
async function acceptRinging(agent: AgentClient): Promise<AgentChat> {
  let chat: AgentChat | null = null;
  await eventually('a chat rings', async () => (chat = await agent.acceptNext()) !== null, LONG);
  return chat!;
}

/** The CSS direction a locator's element is laid out in (`ltr`/`rtl`). */
const direction = (locator: Locator): Promise<string> =>
  locator.evaluate(
    (element) =>
      (globalThis as unknown as { getComputedStyle(element: unknown): { direction: string } }).getComputedStyle(element)
        .direction,
  );

/** The visitor's lines the server stored for the chat, in order. */
async function visitorLines(agentChat: AgentChat): Promise<string[]> {
  return (await agentChat.history())
    .filter((event) => event.type === 'line' && event.source === 'visitor')
    .map((event) => event.text ?? '');
}

const message = (page: Page) => page.getByRole('textbox', { name: 'Message' });

describe('the visitor window rides out a server restart', { skip: unavailable }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  it('keeps a line typed while the server is down, says it is reconnecting, and sends it once when it is back', async () => {
    const database = await sqlite!.create();
    const port = await freePort();
    const secretKey = randomBytes(32);
    let second: TestServer | undefined;
    const first = await startSdkServer(sqlite!, { database: database.location, port, secretKey });
    const bot = await onlineBot(first);
    const visitor = await openContext(browser, 360, 740);
    visitor.context.setDefaultTimeout(90_000);
    try {
      await requestChat(visitor.page, first, 'Support');
      const agentChat = await acceptRinging(bot);
      await agentChat.sendLine('Hello, how can I help?');
      await shows(visitor.page, 'Hello, how can I help?');

      await stop(first.server);
      await message(visitor.page).fill('typed while the server was down');
      await message(visitor.page).press('Enter');
      const status = visitor.page.getByRole('status').filter({ hasText: 'Reconnecting… your messages will be sent' });
      await status.waitFor();
      const pending = transcript(visitor.page).locator('.line.pending');
      await pending.getByText('typed while the server was down').waitFor();
      await pending.getByText('Not sent yet').waitFor();
      await screenshot(visitor.page, 'visitor-window-1-reconnecting');
      // Down for longer than the SDK's own retries (5 + 10 + 15 s): the window keeps trying after them.
      await new Promise((resolve) => setTimeout(resolve, 35_000));
      assert.equal(await visitor.page.getByText('Thanks for chatting with us!').count(), 0);
      assert.equal(await visitor.page.getByText(/could not reach/i).count(), 0);
      assert.equal(await pending.count(), 1, 'the line is still waiting');

      second = await startTestServer(sqlite!, {
        database: database.location,
        port,
        secretKey,
        startTime: first.server.clock.now(),
      });
      // The line arrives once, and the window shows it as sent, on its own.
      await eventually('the line stored', async () => (await visitorLines(agentChat).catch(() => [])).length > 0, LONG);
      await pending.waitFor({ state: 'detached' });
      await status.waitFor({ state: 'detached' });
      await transcript(visitor.page).locator('.line-visitor').getByText('typed while the server was down').waitFor();
      assert.deepEqual(await visitorLines(agentChat), ['typed while the server was down']);

      // The chat goes on both ways; the window never showed its end.
      await agentChat.sendLine('Welcome back');
      await shows(visitor.page, 'Welcome back');
      await message(visitor.page).fill('after the restart');
      await message(visitor.page).press('Enter');
      await eventually(
        'the next line stored',
        async () => (await visitorLines(agentChat)).includes('after the restart'),
        LONG,
      );
      assert.deepEqual(await visitorLines(agentChat), ['typed while the server was down', 'after the restart']);
      assert.equal(await visitor.page.getByText('Thanks for chatting with us!').count(), 0);
      await screenshot(visitor.page, 'visitor-window-2-recovered');
      assert.deepEqual(visitor.problems, []);
      await agentChat.end();
    } finally {
      await bot.logout().catch(() => undefined);
      await visitor.context.close();
      if (second !== undefined) await stop(second);
      await database.drop();
    }
  });
});

describe('a waiting visitor whose skill has nobody left', { skip: unavailable }, () => {
  let fixture: Fixture;
  let browser: Browser;
  before(async () => {
    fixture = await startSdkServer(sqlite!);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await fixture?.close();
  });

  it('is offered to leave a message, and sends it', async () => {
    const { baseUrl, accountId } = fixture;
    const alice = await AgentClient.login({ baseUrl, accountId, username: 'alice', password: 'alice-pass' });
    await alice.setAvailability('Online');
    const visitor = await openContext(browser, 360, 740);
    visitor.context.setDefaultTimeout(60_000);
    await requestChat(visitor.page, fixture, 'Sales');
    await visitor.page.getByText('Waiting for an agent').waitFor();

    // The last Sales agent leaves (her session ends with the logout).
    await alice.logout();
    const offer = visitor.page.getByRole('status', { name: 'Nobody is available' });
    await offer.getByText('Nobody is available right now').waitFor();
    await screenshot(visitor.page, 'visitor-window-3-nobody-left');

    // "Keep waiting" keeps the chat; the offer is gone until someone comes back and leaves again.
    await offer.getByRole('button', { name: 'Keep waiting' }).click();
    await offer.waitFor({ state: 'detached' });
    await visitor.page.getByText('Waiting for an agent').waitFor();
    assert.equal((await chatsInState(fixture.server, accountId, 'waiting')).length, 1);

    // Back and gone again: the offer returns; this time the visitor leaves a message.
    const seenBack = visitor.page.waitForResponse(
      async (response) =>
        response.url().includes('/chat/availability') &&
        ((await response.json()) as { availability?: unknown }).availability === true,
    );
    const again = await AgentClient.login({ baseUrl, accountId, username: 'alice', password: 'alice-pass' });
    await again.setAvailability('Online');
    await seenBack;
    await again.logout();
    await offer.getByRole('button', { name: 'Leave a message' }).click();
    await visitor.page.getByLabel('Your e-mail address').fill('phil@example.com');
    await visitor.page.getByLabel('Your message').fill('Please call me back');
    await visitor.page.getByRole('button', { name: 'Send message' }).click();
    await visitor.page.getByText('We got your message').waitFor();
    await screenshot(visitor.page, 'visitor-window-4-message-left');
    assert.equal((await chatsInState(fixture.server, accountId, 'waiting')).length, 0);
    assert.equal((await chatsInState(fixture.server, accountId, 'ended')).length, 1);
    assert.deepEqual(visitor.problems, []);
    await visitor.context.close();
  });
});

describe('the visitor window, smaller items', { skip: unavailable }, () => {
  let fixture: Fixture;
  let browser: Browser;
  let bot: AgentClient;
  before(async () => {
    fixture = await startSdkServer(sqlite!);
    browser = await launchBrowser();
    bot = await onlineBot(fixture);
  });
  after(async () => {
    await bot?.logout().catch(() => undefined);
    await browser?.close();
    await fixture?.close();
  });

  /** A visitor window chatting with echo-bot. */
  async function chatting(width = 360) {
    const visitor = await openContext(browser, width, 740);
    visitor.context.setDefaultTimeout(30_000);
    await requestChat(visitor.page, fixture, 'Support');
    const agentChat = await acceptRinging(bot);
    await message(visitor.page).and(visitor.page.locator(':enabled')).waitFor();
    return { ...visitor, agentChat };
  }

  it('lays Arabic and Hebrew out right to left (dir=auto on lines and the message box)', async () => {
    const { page, context, agentChat, problems } = await chatting();
    await agentChat.sendLine('مرحبا، كيف يمكنني مساعدتك؟');
    await shows(page, 'مرحبا، كيف يمكنني مساعدتك؟');
    // The line's text, a block in its bubble: right to left, so it also aligns from the right.
    const text = transcript(page).locator('.line-agent .line-text').filter({ hasText: 'مرحبا' });
    assert.equal(await text.getAttribute('dir'), 'auto');
    assert.equal(await direction(text), 'rtl');
    assert.equal(await message(page).getAttribute('dir'), 'auto');
    await message(page).fill('שלום');
    assert.equal(await direction(message(page)), 'rtl');
    await message(page).press('Enter');
    // The stored line (the pending copy may still show beside it for a moment).
    await transcript(page).locator('.line-visitor:not(.pending)').getByText('שלום').first().waitFor();
    await agentChat.end();
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('asks before End chat: "Keep chatting" keeps the chat, "Yes, end it" ends it', async () => {
    const { page, context, agentChat } = await chatting();
    const endChat = page.getByRole('button', { name: 'End chat' });
    await endChat.click();
    const question = page.getByRole('group', { name: 'End this chat?' });
    await question.waitFor();
    // The question takes the focus; declining leaves the chat as it was.
    const yes = question.getByRole('button', { name: 'Yes, end it' });
    await eventually(
      'the question has the focus',
      () =>
        yes.evaluate(
          (element) =>
            element === (element as { ownerDocument: { activeElement: unknown } }).ownerDocument.activeElement,
        ),
      LONG,
    );
    await question.getByRole('button', { name: 'Keep chatting' }).click();
    assert.equal(await question.count(), 0);
    await agentChat.sendLine('Still here?');
    await shows(page, 'Still here?');
    assert.equal(await page.getByText('Thanks for chatting with us!').count(), 0);
    await endChat.click();
    await yes.click();
    await page.getByText('Thanks for chatting with us!').waitFor();
    await context.close();
  });

  it('says what went wrong in plain words, the details only in the title', async () => {
    const visitor = await openContext(browser, 360, 740);
    await visitor.page.goto(`${fixture.baseUrl}/chat?account=${fixture.accountId}&appKey=not-the-key`);
    const alert = visitor.page.getByRole('alert');
    await alert.waitFor();
    const text = (await alert.textContent()) ?? '';
    assert.match(text, /not set up correctly/);
    assert.doesNotMatch(text, /HTTP|code \d|\d{3}|_/);
    assert.match((await alert.getAttribute('title')) ?? '', /HTTP 401/);
    await visitor.context.close();
  });

  it('counts the characters left near the line length limit and stops there', async () => {
    const { page, context, agentChat } = await chatting();
    await message(page).fill('a'.repeat(8_000));
    assert.equal(await page.getByText(/characters left/).count(), 0);
    await message(page).fill('a'.repeat(9_990));
    await page.getByText('10 characters left').waitFor();
    await message(page).fill('a'.repeat(10_050));
    await page.getByText('0 characters left').waitFor();
    assert.equal((await message(page).inputValue()).length, 10_000);
    await message(page).press('Enter');
    await eventually('the longest line stored', async () => (await visitorLines(agentChat)).length === 1, LONG);
    assert.equal((await visitorLines(agentChat))[0]!.length, 10_000);
    await agentChat.end();
    await context.close();
  });

  it('offers the transcript by e-mail only where the server sends e-mail', async () => {
    const { page, context, agentChat } = await chatting();
    const answer = page.waitForResponse((response) => response.url().includes('/chat/transcriptAvailability'));
    await agentChat.end();
    await page.getByText('Thanks for chatting with us!').waitFor();
    assert.equal((await (await answer).json()).transcriptAvailability.email, false);
    await page.getByRole('button', { name: 'Submit' }).waitFor();
    assert.equal(await page.getByRole('region', { name: 'Transcript by email' }).count(), 0);
    await context.close();

    // With a mailer the same window offers it, and it is sent.
    const sent: unknown[] = [];
    const mailer: Mailer = { send: async (mail) => void sent.push(mail) };
    const withMail = await startSdkServer(sqlite!, { mailer });
    const mailBot = await onlineBot(withMail);
    const visitor = await openContext(browser, 360, 740);
    try {
      visitor.context.setDefaultTimeout(30_000);
      await requestChat(visitor.page, withMail, 'Support');
      const chat = await acceptRinging(mailBot);
      await chat.sendLine('Here is your answer');
      await shows(visitor.page, 'Here is your answer');
      await chat.end();
      const form = visitor.page.getByRole('region', { name: 'Transcript by email' });
      await form.getByLabel('Email').fill('phil@example.com');
      await form.getByRole('button', { name: 'Email transcript' }).click();
      await visitor.page.getByText('Transcript sent to phil@example.com.').waitFor();
      assert.equal(sent.length, 1);
    } finally {
      await mailBot.logout().catch(() => undefined);
      await visitor.context.close();
      await withMail.close();
    }
  });

  it('routes an unknown skill in the address to the default queue instead of the offline form', async () => {
    const visitor = await openContext(browser, 360, 740);
    visitor.context.setDefaultTimeout(30_000);
    await requestChat(visitor.page, fixture, 'NoSuchSkill');
    const agentChat = await acceptRinging(bot);
    await visitor.page.getByText('Online now').waitFor();
    const [chat] = await chatsInState(fixture.server, fixture.accountId, 'chatting');
    assert.equal(chat?.skillName ?? null, null);
    assert.equal(await visitor.page.getByText('Leave us a message').count(), 0);
    await agentChat.end();
    await visitor.context.close();
  });

  it('shows a line once when it is stored and shown before the answer to its POST arrives', async () => {
    const { page, context, agentChat, problems } = await chatting();
    // The POST reaches the server, which stores the line; its answer is held until the transcript
    // has shown the stored line from the event feed.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(
      (url) => url.pathname.endsWith('/events') || url.pathname.endsWith('/events.json'),
      async (route) => {
        if (route.request().method() !== 'POST') return route.fallback();
        const response = await route.fetch();
        await held;
        await route.fulfill({ response });
      },
    );
    await message(page).fill('Only once, please');
    await message(page).press('Enter');
    await eventually(
      'the line stored',
      async () => (await visitorLines(agentChat)).includes('Only once, please'),
      LONG,
    );
    await transcript(page).locator('.line-visitor:not(.pending)').getByText('Only once, please').waitFor();
    assert.equal(await transcript(page).locator('.line-visitor').getByText('Only once, please').count(), 1);
    release();
    await transcript(page).locator('.line.pending').waitFor({ state: 'detached' });
    assert.equal(await transcript(page).locator('.line-visitor').getByText('Only once, please').count(), 1);
    await page.unrouteAll({ behavior: 'ignoreErrors' });
    await agentChat.end();
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('queues a line typed and sent while the one before is still on its way', async () => {
    const { page, context, agentChat, problems } = await chatting();
    await message(page).fill('first line');
    await message(page).press('Enter');
    await page.keyboard.type('second line');
    await page.keyboard.press('Enter');
    await page.keyboard.type('third line');
    await page.keyboard.press('Enter');
    assert.equal(await message(page).inputValue(), '');
    await eventually('three lines stored', async () => (await visitorLines(agentChat)).length === 3, LONG);
    assert.deepEqual(await visitorLines(agentChat), ['first line', 'second line', 'third line']);
    await transcript(page).locator('.line-visitor').getByText('third line').waitFor();
    await transcript(page).locator('.line.pending').waitFor({ state: 'detached' });
    await agentChat.end();
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('keeps a line that could not be sent across a reload, and sends it once afterwards', async () => {
    const { page, context, agentChat, problems } = await chatting();
    // Lines cannot get through (the rest of the chat can): their requests fail as on a lost network.
    const isLine = (url: URL) => url.pathname.endsWith('/events.json');
    let refused = 0;
    await page.route(isLine, (route) => {
      if (route.request().method() !== 'POST') return route.fallback();
      refused += 1;
      return route.abort();
    });
    await message(page).fill('typed before the reload');
    await message(page).press('Enter');
    const pending = transcript(page).locator('.line.pending');
    // Pending, and tried at least once. ("Not sent yet" comes once the SDK's retries, 30 s, are spent;
    // meanwhile it says "Sending…".)
    await pending.getByText('typed before the reload').waitFor();
    await eventually('an attempt to send the line', () => refused > 0, LONG);
    await page.reload();
    await pending.getByText('typed before the reload').waitFor();
    await page.unroute(isLine);
    await eventually('the line stored', async () => (await visitorLines(agentChat)).length > 0, LONG);
    await pending.waitFor({ state: 'detached' });
    await transcript(page).locator('.line-visitor').getByText('typed before the reload').waitFor();
    assert.deepEqual(await visitorLines(agentChat), ['typed before the reload']);
    await agentChat.end();
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('embedded: reports the host page as referrer, counts unread agent lines on the launcher, Escape closes', async (t) => {
    const { baseUrl, accountId, appKey } = fixture;
    const host = await openContext(browser, 1280, 900);
    host.context.setDefaultTimeout(30_000);
    // The shop's page, on an origin of its own (loopback too: Chromium lets only a private page
    // load from a private address).
    const shop = createHttpServer((request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(`<!doctype html><title>Bikes</title><h1>Bikes</h1>
          <script src="${baseUrl}/chat/embed.js" data-account="${accountId}" data-app-key="${appKey}"
            data-skill="Support"></script>`);
    });
    await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => shop.close(() => resolve())));
    const shopAddress = shop.address();
    assert.ok(typeof shopAddress === 'object' && shopAddress !== null);
    const hostPage = `http://127.0.0.1:${shopAddress.port}/bikes?id=7`;
    await host.page.goto(hostPage);
    const launcher = host.page.getByRole('button', { name: 'Chat with us' });
    await launcher.click();
    const frame = host.page.frameLocator('iframe[title="Chat"]');
    await frame.getByLabel('What can we help you with?').selectOption('Buying');
    await frame.getByRole('button', { name: 'Start chat' }).click();
    const agentChat = await acceptRinging(bot);
    const [chat] = await chatsInState(fixture.server, accountId, 'chatting');
    assert.equal(chat?.visitor.referrer, hostPage);
    await agentChat.sendLine('Seen while open');
    await frame.getByText('Seen while open').waitFor();

    // Closed: two agent lines show as a badge of 2 on the launcher; opening clears it.
    await host.page.getByRole('button', { name: 'Close chat', exact: true }).click();
    await agentChat.sendLine('One');
    await agentChat.sendLine('Two');
    await host.page.getByRole('button', { name: 'Chat with us, 2 unread messages' }).waitFor();
    await screenshot(host.page, 'visitor-window-5-unread-badge');
    await host.page.getByRole('button', { name: 'Chat with us, 2 unread messages' }).click();
    await frame.getByText('Two').waitFor();
    await host.page.getByRole('button', { name: 'Close chat', exact: true }).waitFor();

    // Escape in the window closes it, as a dialog closes.
    await frame.getByRole('textbox', { name: 'Message' }).click();
    await host.page.keyboard.press('Escape');
    await host.page.getByRole('button', { name: 'Chat with us', exact: true }).waitFor();
    assert.equal(await host.page.locator('iframe[title="Chat"]').isVisible(), false);
    await agentChat.end();
    assert.deepEqual(host.problems, []);
    await host.context.close();
  });
});
