import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { AgentClient, type AgentChat, type ChatEvent } from '../../packages/sdk/src/index.js';
import { browserUnavailable, launchBrowser, openContext, screenshot } from '../support/browser.js';
import { databaseTargets } from '../support/databases.js';
import { startSdkServer } from '../support/sdk.js';
import { VALID_CARDS } from '../support/structured-content-cards.js';

// Structured content drawn in both apps (docs/LEGACY-QUIRKS.md, "Structured content"): an agent sends
// a card from the workspace's card composer, a bot sends a carousel and quick replies through the
// SDK, and a visitor's click on a publish-text button arrives at the agent as the visitor's line.
// Screenshots of the cards land in test-output/screenshots/.

const [sqlite] = await databaseTargets();
const unavailable = browserUnavailable();

type Fixture = Awaited<ReturnType<typeof startSdkServer>>;

/** A picture for every card image: the test machine has no network, and a broken image is no test. */
const PICTURE = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="180"><rect width="320" height="180" fill="#f6c1d0"/><circle cx="160" cy="90" r="50" fill="#d6336c"/></svg>`;

async function servePictures(context: BrowserContext, requested: string[]) {
  await context.route(/^https:\/\/images\.example\.com\//, (route) => {
    requested.push(route.request().url());
    return route.fulfill({ status: 200, contentType: 'image/svg+xml', body: PICTURE });
  });
}

const transcript = (page: Page) => page.getByRole('log', { name: 'Transcript' });

/** The visitor window for Sales, past the demo pre-chat survey. */
async function startVisitor(page: Page, fixture: Fixture, name: string) {
  const { baseUrl, accountId, appKey } = fixture;
  await page.goto(`${baseUrl}/chat?account=${accountId}&appKey=${appKey}&skill=Sales`);
  await page.getByLabel('What can we help you with?').selectOption('Buying');
  await page.getByLabel('What is your name?').fill(name);
  await page.getByRole('button', { name: 'Start chat' }).click();
}

/** Logs alice in on the workspace page and sets her Online; waits until the server has it. */
async function logInAlice(page: Page, fixture: Fixture) {
  const { baseUrl, accountId } = fixture;
  await page.goto(`${baseUrl}/workspace`);
  await page.getByLabel('Account').fill(accountId);
  await page.getByLabel('Username').fill('alice');
  await page.getByLabel('Password').fill('alice-pass');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByLabel('Availability').selectOption('Online');
  for (let tries = 0; ; tries += 1) {
    const sessions = await fixture.server.store.agentSessions.listLive(accountId);
    if (sessions.some((session) => session.userId === 2001 && session.availability === 'Online')) return;
    if (tries > 200) throw new Error('alice never went Online');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Waits until the agent's view of the chat holds a visitor line with `text`. */
async function visitorSaid(chat: AgentChat, text: string): Promise<ChatEvent> {
  for (let tries = 0; tries < 400; tries += 1) {
    const line = (await chat.history()).find((event) => event.source === 'visitor' && event.text === text);
    if (line !== undefined) return line;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`the visitor's line "${text}" never arrived`);
}

describe('structured content in real Chromium', { skip: unavailable }, () => {
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

  it('an agent sends a card from the workspace; the visitor sees it and its reply button answers as the visitor', async () => {
    const alice = await openContext(browser, 1280);
    const visitor = await openContext(browser, 360, 740);
    const pictures: string[] = [];
    for (const { context } of [alice, visitor]) {
      context.setDefaultTimeout(15_000);
      await servePictures(context, pictures);
    }
    await logInAlice(alice.page, fixture);
    await startVisitor(visitor.page, fixture, 'Phil');
    await alice.page.getByRole('button', { name: 'Accept' }).click();
    await transcript(alice.page)
      .getByText(/Thank you for choosing to chat with us/)
      .waitFor();

    // The card composer: title, text, image, a reply button and a link button, with a preview.
    await alice.page.getByRole('button', { name: 'Card…' }).click();
    const composer = alice.page.getByRole('form', { name: 'Card' });
    await composer.getByLabel('Card title').fill('Birthday Bouquet');
    await composer.getByLabel('Card text').fill('Wild flowers, delivered tomorrow.');
    await composer.getByLabel('Image URL').fill('http://images.example.com/bouquet.png');
    await composer.getByRole('button', { name: 'Add button' }).click();
    await composer.getByLabel('Button 1 label').fill('Yes please');
    await composer.getByRole('button', { name: 'Add button' }).click();
    await composer.getByLabel('Button 2 label').fill('See the shop');
    await composer.getByLabel('Button 2 action').selectOption('link');
    await composer.getByLabel('Button 2 link').fill('https://shop.example.com/bouquet');
    // Only https images: the composer says so before the server would refuse it.
    await composer.getByText('The image address must start with https://').waitFor();
    assert.equal(await composer.getByRole('button', { name: 'Send card' }).isDisabled(), true);
    await composer.getByLabel('Image URL').fill('https://images.example.com/bouquet.png');
    await composer.getByLabel('Card preview').getByText('Birthday Bouquet').waitFor();
    await screenshot(alice.page, 'structured-content-1-workspace-composer');
    await composer.getByRole('button', { name: 'Send card' }).click();
    await composer.waitFor({ state: 'hidden' });

    // Both apps draw the card (not "[rich content]"); the link opens in a new tab, never in the window.
    const visitorCard = transcript(visitor.page).locator('.sc-card');
    await visitorCard.getByText('Birthday Bouquet').waitFor();
    await visitorCard.locator('img[src="https://images.example.com/bouquet.png"]').waitFor();
    const link = visitorCard.getByRole('link', { name: 'See the shop' });
    assert.equal(await link.getAttribute('href'), 'https://shop.example.com/bouquet');
    assert.equal(await link.getAttribute('target'), '_blank');
    assert.match((await link.getAttribute('rel')) ?? '', /noopener/);
    const agentCard = transcript(alice.page).locator('.sc-card');
    await agentCard.getByText('Wild flowers, delivered tomorrow.').waitFor();
    // In the workspace the reply button is shown but does nothing: only the visitor answers with it.
    assert.equal(await agentCard.getByRole('button', { name: 'Yes please' }).isDisabled(), true);
    for (const page of [alice.page, visitor.page]) {
      assert.equal(await transcript(page).getByText('[rich content]').count(), 0);
      await page.waitForFunction(() => {
        const images = (
          globalThis as unknown as {
            document: { querySelectorAll(s: string): ArrayLike<{ complete: boolean; naturalWidth: number }> };
          }
        ).document.querySelectorAll('.sc-image');
        return Array.from(images).every((image) => image.complete && image.naturalWidth > 0);
      });
    }
    await screenshot(visitor.page, 'structured-content-2-visitor-card');
    await screenshot(alice.page, 'structured-content-3-workspace-card');

    // The visitor's click on the reply button: its text is the visitor's line, at the agent too.
    await visitorCard.getByRole('button', { name: 'Yes please' }).click();
    await transcript(visitor.page).locator('.line-visitor').getByText('Yes please').waitFor();
    await transcript(alice.page).locator('.line-visitor').getByText('Yes please').waitFor();
    await screenshot(alice.page, 'structured-content-4-workspace-reply');
    assert.ok(pictures.length > 0, 'the card image was fetched');
    for (const { problems } of [alice, visitor]) assert.deepEqual(problems, []);
    await Promise.all([alice, visitor].map(({ context }) => context.close()));
  });

  it("a bot's carousel and quick replies: a click publishes the text, which the bot reads as the visitor's line", async () => {
    const { baseUrl, accountId } = fixture;
    const { appKey, secret, accessToken, accessTokenSecret } = fixture.botKey;
    const bot = await AgentClient.login({
      baseUrl,
      accountId,
      username: 'echo-bot',
      appKey,
      secret,
      accessToken,
      accessTokenSecret,
    });
    await bot.setAvailability('Online');
    const visitor = await openContext(browser, 360, 740);
    visitor.context.setDefaultTimeout(15_000);
    await servePictures(visitor.context, []);
    await startVisitor(visitor.page, fixture, 'Ann');
    let chat = await bot.acceptNext();
    for (let tries = 0; chat === null && tries < 100; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      chat = await bot.acceptNext();
    }
    assert.ok(chat !== null, 'the chat rang at the bot');

    await chat.sendRichContent(VALID_CARDS.carousel as Record<string, unknown>);
    await chat.sendRichContent(VALID_CARDS['quick-replies'] as Record<string, unknown>);
    const log = transcript(visitor.page);
    await log.locator('.sc-carousel .sc-card').nth(1).getByText('White lilies').waitFor();
    const replies = log.getByRole('group', { name: 'Quick replies' });
    await replies.getByRole('button', { name: 'Medium' }).waitFor();
    await screenshot(visitor.page, 'structured-content-5-visitor-carousel');

    await replies.getByRole('button', { name: 'Medium' }).click();
    const line = await visitorSaid(chat, 'Medium');
    assert.equal(line.textType, 'plain');
    // Quick replies are offered until the conversation moves on, as on LivePerson.
    await replies.waitFor({ state: 'detached' });
    await log.locator('.sc-carousel').getByRole('button', { name: 'Choose white' }).click();
    await visitorSaid(chat, 'White lilies');
    // The stored line (its pending copy may show beside it until the POST's answer names it).
    await log.locator('.line-visitor:not(.pending)').getByText('White lilies').waitFor();
    await screenshot(visitor.page, 'structured-content-6-visitor-replied');

    await chat.end();
    await bot.logout();
    assert.deepEqual(visitor.problems, []);
    await visitor.context.close();
  });
});
