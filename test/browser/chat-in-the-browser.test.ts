import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { AgentClient, VisitorClient } from '../../packages/sdk/src/index.js';
import {
  browserUnavailable,
  launchBrowser,
  logIn,
  openContext,
  requestChat,
  screenshot,
  shows,
  transcript,
} from '../support/browser.js';
import { chatsInState } from '../support/chats-in-state.js';
import { databaseTargets } from '../support/databases.js';
import { busyAlice, startSdkServer } from '../support/sdk.js';

const [sqlite] = await databaseTargets();
const unavailable = browserUnavailable();

type Fixture = Awaited<ReturnType<typeof startSdkServer>>;

describe('an agent and a visitor chat in real Chromium', { skip: unavailable }, () => {
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

  it('log in, Online, pre-chat survey, ring, accept, lines and typing both ways, transfer, end, surveys', async () => {
    const { baseUrl, accountId, appKey } = fixture;
    const alice = await openContext(browser, 1280);
    const boss = await openContext(browser, 1280);
    const visitor = await openContext(browser, 360, 740);
    for (const { context } of [alice, boss, visitor]) context.setDefaultTimeout(15_000);

    await alice.page.goto(`${baseUrl}/workspace?account=${accountId}`);
    await screenshot(alice.page, 'workspace-1-login');
    await logIn(alice.page, fixture, 'alice', 'alice-pass');
    await logIn(boss.page, fixture, 'boss', 'boss-pass');
    await screenshot(alice.page, 'workspace-2-online');

    // The visitor: pre-chat survey (the demo account's), then the request.
    await visitor.page.goto(`${baseUrl}/chat?account=${accountId}&appKey=${appKey}&skill=Sales`);
    await visitor.page.getByLabel('What can we help you with?').selectOption('Buying');
    await visitor.page.getByLabel('What is your name?').fill('Phil');
    await screenshot(visitor.page, 'visitor-1-pre-chat');
    await visitor.page.getByRole('button', { name: 'Start chat' }).click();
    await visitor.page
      .getByText(/waiting/i)
      .first()
      .waitFor();
    await screenshot(visitor.page, 'visitor-2-waiting');

    // The ring reaches Alice (Sales); she accepts.
    const accept = alice.page.getByRole('button', { name: 'Accept' });
    await accept.waitFor();
    // The ring says what it is: skill, visitor, and a wait that counts on (from the server's figure:
    // the test server's clock is not the browser's).
    const incoming = alice.page.getByRole('region', { name: 'Incoming chats' });
    await incoming.getByText('Sales').waitFor();
    const wait = incoming.getByText(/^Phil · waiting 0:\d\d$/);
    const waitedFirst = await wait.textContent();
    await alice.page.waitForFunction(
      (before) =>
        (
          globalThis as unknown as { document: { querySelector(selector: string): { textContent: string } | null } }
        ).document.querySelector('.ring-sub')?.textContent !== before,
      waitedFirst,
    );
    await wait.waitFor();
    await screenshot(alice.page, 'workspace-3-ringing');
    await accept.click();
    await shows(alice.page, /Thank you for choosing to chat with us/);

    // Typing both ways, then lines both ways.
    await alice.page.getByRole('textbox', { name: 'Message' }).fill('Hello Phil, how can I help?');
    await visitor.page.getByText(/is typing/).waitFor();
    await alice.page.getByRole('button', { name: 'Send' }).click();
    await shows(visitor.page, 'Hello Phil, how can I help?');
    await visitor.page.getByText(/is typing/).waitFor({ state: 'hidden' });

    await visitor.page.getByRole('textbox', { name: 'Message' }).fill('I would like to buy a bike');
    await alice.page.getByText(/is typing/).waitFor();
    await screenshot(alice.page, 'workspace-4-visitor-typing');
    await visitor.page.getByRole('button', { name: 'Send' }).click();
    await shows(alice.page, 'I would like to buy a bike');
    await screenshot(visitor.page, 'visitor-3-chatting');

    // The visitor panel: address, browser, pre-chat answers.
    const panel = alice.page.getByRole('complementary').or(alice.page.locator('aside')).first();
    await panel.getByText('127.0.0.1').waitFor();
    await panel.getByText('Buying').waitFor();
    await panel.getByText(/Chrom/).first().waitFor();
    await screenshot(alice.page, 'workspace-5-chatting');

    // Transfer to Boss with a note; Boss's workspace rings, he accepts and sees the whole chat.
    await alice.page.getByRole('button', { name: 'Transfer' }).click();
    const dialog = alice.page.getByRole('dialog', { name: 'Transfer chat' });
    await dialog.getByLabel('Transfer to').selectOption({ label: 'Agent: Boss' });
    await dialog.getByLabel('Note').fill('Wants a bike, ready to buy');
    await screenshot(alice.page, 'workspace-6-transfer');
    await dialog.getByRole('button', { name: 'Confirm transfer' }).click();
    await transcript(alice.page).waitFor({ state: 'hidden' });

    await boss.page.getByRole('button', { name: 'Accept' }).click();
    await shows(boss.page, 'I would like to buy a bike');
    await shows(boss.page, 'Wants a bike, ready to buy');
    // Alice's lines are told apart from Boss's own.
    assert.equal(
      await transcript(boss.page).locator('.line-colleague').getByText('Hello Phil, how can I help?').count(),
      1,
    );
    await boss.page.getByRole('textbox', { name: 'Message' }).fill('Hi Phil, Boss here. Which bike?');
    await boss.page.getByRole('button', { name: 'Send' }).click();
    await shows(visitor.page, 'Hi Phil, Boss here. Which bike?');
    await screenshot(boss.page, 'workspace-7-transferred');

    // The visitor ends; the exit survey and the agent survey follow.
    await visitor.page.getByRole('button', { name: 'End chat' }).click();
    await visitor.page.getByRole('button', { name: 'Yes, end it' }).click();
    const submit = visitor.page.getByRole('button', { name: 'Submit' });
    await submit.waitFor();
    await screenshot(visitor.page, 'visitor-4-exit-survey');
    await answerEveryQuestion(visitor.page);
    await submit.click();
    await visitor.page.getByText(/thank/i).first().waitFor();
    await screenshot(visitor.page, 'visitor-5-after');

    const agentSurvey = boss.page.getByRole('button', { name: 'Submit survey' });
    await agentSurvey.waitFor();
    await answerEveryQuestion(boss.page);
    await screenshot(boss.page, 'workspace-8-agent-survey');
    await agentSurvey.click();
    await agentSurvey.waitFor({ state: 'hidden' });

    // What the server stored: the chat ended with both surveys, every line in order.
    const chats = await chatsInState(fixture.server, accountId, 'ended');
    assert.equal(chats.length, 1);
    const chat = chats[0]!;
    assert.equal(chat.agentName, 'Boss');
    assert.ok(chat.exitSurvey !== null, 'exit survey stored');
    assert.ok(chat.agentSurvey !== null, 'agent survey stored');
    assert.deepEqual(
      chat.preChatSurvey?.answers.map((answer) => answer.answer),
      ['Buying', 'Phil'],
    );
    const lines = (await fixture.server.store.chats.events(accountId, chat.id, 0))
      .filter((event) => event.source === 'agent' || event.source === 'visitor')
      .map((event) => event.text);
    assert.deepEqual(lines, [
      'Hello Phil, how can I help?',
      'I would like to buy a bike',
      'Hi Phil, Boss here. Which bike?',
    ]);

    // Signing out ends the agents' sessions: nothing rings at them any more.
    for (const { page } of [alice, boss]) {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('button', { name: 'Log in' }).waitFor();
    }
    // The page returns to its log-in form without waiting for the logout's answer.
    let live = await fixture.server.store.agentSessions.listLive(accountId);
    for (let tries = 0; live.length > 0 && tries < 200; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      live = await fixture.server.store.agentSessions.listLive(accountId);
    }
    assert.deepEqual(live, []);
    await screenshot(alice.page, 'workspace-10-signed-out');

    for (const { problems } of [alice, boss, visitor]) assert.deepEqual(problems, []);
    await Promise.all([alice, boss, visitor].map(({ context }) => context.close()));
  });

  it('lines sent while the visitor is offline arrive once when it reconnects; a reload keeps the chat', async () => {
    const { baseUrl, accountId } = fixture;
    const agent = await AgentClient.login({ baseUrl, accountId, username: 'echo-bot', ...botCredentials(fixture) });
    await agent.setAvailability('Online');
    const visitor = await openContext(browser, 360, 740);
    visitor.context.setDefaultTimeout(30_000);
    await requestChat(visitor.page, fixture, 'Support');
    let chat = await agent.acceptNext();
    for (let tries = 0; chat === null && tries < 100; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      chat = await agent.acceptNext();
    }
    assert.ok(chat !== null, 'the chat rang at the bot');
    await chat.sendLine('line 1');
    await shows(visitor.page, 'line 1');

    await visitor.context.setOffline(true);
    await chat.sendLine('line 2');
    await chat.sendLine('line 3');
    await visitor.context.setOffline(false);
    await shows(visitor.page, 'line 3');
    await chat.sendLine('line 4');
    await shows(visitor.page, 'line 4');
    const texts = await transcript(visitor.page)
      .getByText(/^line \d$/)
      .allTextContents();
    assert.deepEqual(texts, ['line 1', 'line 2', 'line 3', 'line 4']);

    // A reload picks the same chat up again, whole, and it goes on.
    await visitor.page.reload();
    await shows(visitor.page, 'line 4');
    await visitor.page.getByRole('textbox', { name: 'Message' }).fill('still here');
    await visitor.page.getByRole('button', { name: 'Send' }).click();
    // Shown at once as "Sending…" (a pending line); stored once it shows as a line of the chat.
    await transcript(visitor.page).locator('.line-visitor:not(.pending)', { hasText: 'still here' }).waitFor();
    assert.equal((await chat.history()).at(-1)?.text, 'still here');
    assert.deepEqual(
      await transcript(visitor.page)
        .getByText(/^line \d$/)
        .allTextContents(),
      texts,
    );
    await chat.end();
    await agent.logout();
    assert.deepEqual(visitor.problems, []);
    await visitor.context.close();
  });

  it('several chats at once: tabs, unread counts, the ring cue in the title', async () => {
    const { baseUrl, accountId, appKey } = fixture;
    const agent = await openContext(browser, 1280);
    agent.context.setDefaultTimeout(15_000);
    await logIn(agent.page, fixture, 'alice', 'alice-pass');
    // Ann a second before Ben: she has waited longer, so the first Accept takes her chat.
    const visitors: VisitorClient[] = [];
    for (const visitorName of ['Ann', 'Ben']) {
      visitors.push(
        await VisitorClient.startChat({ baseUrl, accountId, appKey, skill: 'Sales', visitorName, keepAliveMs: 0 }),
      );
      fixture.server.clock.advance(1_000);
    }
    const accept = agent.page.getByRole('button', { name: 'Accept' });
    await accept.nth(1).waitFor();
    assert.match(await agent.page.title(), /^\(2\)/);
    await accept.first().click();
    await agent.page.getByRole('tab', { name: /^Ann/ }).waitFor();
    await accept.first().click();
    const ben = agent.page.getByRole('tab', { name: /^Ben/ });
    await ben.waitFor();
    await screenshot(agent.page, 'workspace-11-two-chats');

    // Whichever tab is in front, lines for the other one count as unread until it is opened.
    const ann = agent.page.getByRole('tab', { name: /^Ann/ });
    await ann.click();
    await visitors[1]!.sendLine('Hello from Ben');
    await visitors[1]!.sendLine('Are you there?');
    await agent.page.getByRole('tab', { name: 'Ben (2 unread)' }).waitFor();
    await screenshot(agent.page, 'workspace-12-unread');
    await ben.click();
    await shows(agent.page, 'Are you there?');
    await agent.page.getByRole('tab', { name: 'Ben', exact: true }).waitFor();

    for (const visitor of visitors) {
      await visitor.end();
      visitor.close();
    }
    // A wrap-up survey half done in one tab is still there after a look at the other tab.
    const wrapUp = agent.page.getByRole('button', { name: 'Submit survey' });
    await wrapUp.waitFor();
    await answerEveryQuestion(agent.page);
    const answered = await answersShown(agent.page);
    assert.ok(
      answered.some((value) => value !== '' && value !== 'false'),
      `nothing answered: ${answered.join()}`,
    );
    await ann.click();
    await agent.page.getByRole('tab', { name: /^Ann/, selected: true }).waitFor();
    await ben.click();
    await wrapUp.waitFor();
    assert.deepEqual(await answersShown(agent.page), answered);
    await wrapUp.click();
    await agent.page.getByText('Survey submitted').waitFor();
    const benChat = (await chatsInState(fixture.server, accountId, 'ended')).find((chat) => chat.visitorName === 'Ben');
    assert.ok(benChat?.agentSurvey !== null && benChat?.agentSurvey !== undefined, "Ben's wrap-up stored");

    await agent.page.getByRole('button', { name: 'Sign out' }).click();
    await agent.page.getByRole('button', { name: 'Log in' }).waitFor();
    assert.deepEqual(agent.problems, []);
    await agent.context.close();
  });

  it('a visitor queued behind a busy agent sees the estimated wait of their own chat', async () => {
    // A fresh account: the estimate depends on every chat that ended in the last 30 minutes.
    const own = await startSdkServer(sqlite!);
    const visitor = await openContext(browser, 360, 740);
    visitor.context.setDefaultTimeout(15_000);
    try {
      // Slots free up once every 600 s (three in the last 30 minutes), and alice is full.
      const { alice, held, take } = await busyAlice(own);

      await requestChat(visitor.page, own, 'Sales');
      await visitor.page.getByText('Estimated wait: about 10 minutes.').waitFor();
      await screenshot(visitor.page, 'visitor-9-queued');

      // A slot frees, the chat rings at alice, she takes it: the wait is over.
      await held[0]!.end();
      const chat = await take();
      await chat.sendLine('Thanks for waiting!');
      await shows(visitor.page, 'Thanks for waiting!');
      await visitor.page.getByText(/Estimated wait/).waitFor({ state: 'hidden' });
      await alice.logout();
      assert.deepEqual(visitor.problems, []);
    } finally {
      await visitor.context.close();
      await own.close();
    }
  });

  it('nobody available: the visitor leaves a message through the offline survey, at 360 px without sideways scrolling', async () => {
    const { baseUrl, accountId, appKey } = fixture;
    const visitor = await openContext(browser, 360, 740);
    visitor.context.setDefaultTimeout(15_000);
    await visitor.page.goto(`${baseUrl}/chat?account=${accountId}&appKey=${appKey}`);
    // No skill in the address: the visitor chooses; nobody is online for either.
    await visitor.page.getByLabel('Skill').selectOption('Support');
    await visitor.page.getByLabel('Your e-mail address').fill('not an address');
    await visitor.page.getByLabel('Your message').fill('Please call me back about my order.');
    await visitor.page.getByRole('button', { name: 'Send message' }).click();
    await visitor.page.getByText('Please enter an e-mail address.').waitFor();
    await visitor.page.getByLabel('Your e-mail address').fill('phil@example.com');
    await screenshot(visitor.page, 'visitor-7-offline-survey');
    await visitor.page.getByRole('button', { name: 'Send message' }).click();
    await visitor.page.getByText(/thank/i).first().waitFor();
    await screenshot(visitor.page, 'visitor-8-offline-sent');
    const width = await visitor.page.evaluate(
      () =>
        (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement
          .scrollWidth,
    );
    assert.ok(width <= 360, `the page is ${width} px wide`);

    const [message] = await fixture.server.store.offlineMessages.list(accountId, 10);
    assert.equal(message?.skill, 'Support');
    assert.deepEqual(
      message?.survey.answers.map((answer) => answer.answer),
      ['phil@example.com', 'Please call me back about my order.'],
    );
    assert.deepEqual(visitor.problems, []);
    await visitor.context.close();
  });

  it('hostile HTML from either side never runs script in the workspace or the visitor window', async () => {
    const agent = await openContext(browser, 1280);
    const visitor = await openContext(browser, 360, 740);
    for (const { context } of [agent, visitor]) context.setDefaultTimeout(15_000);
    await logIn(agent.page, fixture, 'alice', 'alice-pass');
    await requestChat(visitor.page, fixture, 'Sales', '<img src=x onerror="window.__pwned=\'name\'">');
    await agent.page.getByRole('button', { name: 'Accept' }).click();
    await shows(agent.page, /Thank you for choosing/);

    const hostile = [
      '<img src=x onerror="window.__pwned=1">',
      '<script>window.__pwned=2</script>',
      '<svg onload="window.__pwned=3"></svg>',
      '<a href="javascript:window.__pwned=4">click me</a>',
      '<iframe src="javascript:parent.__pwned=5"></iframe>',
      '<b onmouseover="window.__pwned=6">bold</b>',
    ].join(' ');
    // From the visitor: a plain line that looks like HTML.
    await visitor.page.getByRole('textbox', { name: 'Message' }).fill(hostile);
    await visitor.page.getByRole('button', { name: 'Send' }).click();
    await shows(agent.page, /onerror/);
    // From the agent: an HTML line (sanitised by the server, and again by the browser).
    await agent.page.getByRole('checkbox', { name: 'HTML' }).check();
    await agent.page.getByRole('textbox', { name: 'Message' }).fill(hostile);
    await agent.page.getByRole('button', { name: 'Send' }).click();
    await shows(visitor.page, 'bold');
    await shows(agent.page, 'bold');

    for (const page of [agent.page, visitor.page]) {
      // Hover and click everything the hostile lines could have left behind.
      for (const element of await transcript(page).locator('a, b, img, svg').all()) {
        await element.hover().catch(() => undefined);
        await element.click({ trial: false, timeout: 1_000 }).catch(() => undefined);
      }
      assert.equal(await page.evaluate(() => (globalThis as { __pwned?: unknown }).__pwned), undefined);
      assert.equal(
        await transcript(page).locator('script, iframe, svg, [onerror], [onload], [onmouseover]').count(),
        0,
      );
      assert.equal(await transcript(page).locator('a[href^="javascript"]').count(), 0);
    }
    await screenshot(agent.page, 'workspace-9-hostile-html');
    await screenshot(visitor.page, 'visitor-6-hostile-html');
    for (const { problems } of [agent, visitor]) assert.deepEqual(problems, []);
    await Promise.all([agent, visitor].map(({ context }) => context.close()));
  });
});

/** echo-bot's API key as AgentClient.login takes it. */
function botCredentials(fixture: {
  botKey: { appKey: string; secret: string; accessToken: string; accessTokenSecret: string };
}) {
  const { appKey, secret, accessToken, accessTokenSecret } = fixture.botKey;
  return { appKey, secret, accessToken, accessTokenSecret };
}

/** What the survey form on the page holds: each field's value, or whether it is checked. */
function answersShown(page: Page): Promise<string[]> {
  return page
    .locator('form.survey')
    .locator('select, input, textarea')
    .evaluateAll((nodes) =>
      nodes.map((node) => {
        const field = node as unknown as { type?: string; checked?: boolean; value: string };
        return field.type === 'radio' || field.type === 'checkbox' ? String(field.checked) : field.value;
      }),
    );
}

/** Answers every visible survey question on the page: the first option, or a short text. */
async function answerEveryQuestion(page: Page): Promise<void> {
  const form = page.locator('form.survey');
  for (const select of await form.locator('select').all()) {
    const options = await select
      .locator('option')
      .evaluateAll((nodes) =>
        nodes.map((node) => (node as unknown as { value: string }).value).filter((value) => value !== ''),
      );
    if (options[0] !== undefined) await select.selectOption(options[0]);
  }
  for (const group of await form.locator('fieldset').all()) {
    await group.locator('input').first().check();
  }
  for (const field of await form.locator('input[type="text"], textarea').all()) {
    if ((await field.inputValue()) === '') await field.fill('Fine');
  }
  for (const field of await form.locator('input[type="email"]').all()) {
    if ((await field.inputValue()) === '') await field.fill('phil@example.com');
  }
}
