import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { VisitorClient } from '../../packages/sdk/src/index.js';
import { browserUnavailable, launchBrowser, logIn, openContext, screenshot, shows } from '../support/browser.js';
import { databaseTargets } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { startSdkServer } from '../support/sdk.js';

const [sqlite] = await databaseTargets();
const unavailable = browserUnavailable();

type Fixture = Awaited<ReturnType<typeof startSdkServer>>;

/** What the workspace keeps in the tab's sessionStorage (run in the page). */
const savedWorkspace = (): string | null =>
  (globalThis as unknown as { sessionStorage: { getItem(key: string): string | null } }).sessionStorage.getItem(
    'parley.workspace',
  );

describe('the agent workspace through a reload in real Chromium', { skip: unavailable, timeout: 180_000 }, () => {
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

  /** The live agent sessions of `loginName`. */
  const liveSessionsOf = async (loginName: string) => {
    const { server, accountId } = fixture;
    const users = await server.store.users.list(accountId);
    const userId = users.find((user) => user.loginName === loginName)?.id;
    return (await server.store.agentSessions.listLive(accountId)).filter((session) => session.userId === userId);
  };

  it('keeps the login, the agent session, the open chat and its draft; after sign-out a reload asks to log in', async () => {
    const { baseUrl, accountId, appKey } = fixture;
    const alice = await openContext(browser, 1280);
    alice.context.setDefaultTimeout(20_000);
    const { page } = alice;
    await logIn(page, fixture, 'alice', 'alice-pass');
    const [before] = await liveSessionsOf('alice');
    assert.ok(before !== undefined);

    const visitor = await VisitorClient.startChat({
      baseUrl,
      accountId,
      appKey,
      skill: 'Sales',
      visitorName: 'Phil',
      keepAliveMs: 0,
    });
    await page.getByRole('button', { name: 'Accept' }).click();
    await page.getByRole('tab', { name: /^Phil/ }).waitFor();
    await visitor.sendLine('I would like to buy a bike');
    await shows(page, 'I would like to buy a bike');
    // A second chat, in the background, whose line was read before the reload.
    const second = await VisitorClient.startChat({
      baseUrl,
      accountId,
      appKey,
      skill: 'Sales',
      visitorName: 'Quinn',
      keepAliveMs: 0,
    });
    await page.getByRole('button', { name: 'Accept' }).click();
    await page.getByRole('tab', { name: /^Quinn/ }).waitFor();
    await second.sendLine('Just looking');
    await shows(page, 'Just looking');
    await page.getByRole('tab', { name: /^Phil/ }).click();
    await shows(page, 'I would like to buy a bike');
    const message = page.getByRole('textbox', { name: 'Message' });
    await message.fill('Which size do you ri');

    await page.reload();

    // Still logged in, with the same tab, its history and the draft, on the same agent session.
    await page.getByRole('tab', { name: /^Phil/ }).waitFor();
    await shows(page, 'I would like to buy a bike');
    await eventually('the draft is back', async () => (await message.inputValue()) === 'Which size do you ri', {
      timeoutMs: 20_000,
    });
    await eventually(
      'the availability read from the session',
      async () => (await page.getByLabel('Availability').inputValue()) === 'Online',
      { timeoutMs: 20_000 },
    );
    assert.equal(await page.getByLabel('Password').count(), 0);
    // Phil's chat is in front again; Quinn's tab is back, its history not counted as unread.
    assert.equal(await page.getByRole('tab', { name: /^Phil/ }).getAttribute('aria-selected'), 'true');
    // Its history has arrived (the tab previews its last line) without counting as unread.
    await page
      .getByRole('tab', { name: /^Quinn/ })
      .getByText('Just looking')
      .waitFor();
    assert.equal(await page.getByRole('tab', { name: /unread/ }).count(), 0, 'nothing unread in the reopened tab');
    assert.match(await page.title(), /^Parley/);
    await screenshot(page, 'workspace-reload-1-after-reload');
    const after = await liveSessionsOf('alice');
    assert.deepEqual(
      after.map((session) => session.id),
      [before.id],
      'exactly one live agent session, the one from before the reload',
    );

    // The chat goes on: a line sent after the reload reaches the visitor.
    await message.fill('Which size do you ride?');
    await message.press('Enter');
    await eventually(
      'the visitor has the reply',
      async () => (await visitor.history()).some((event) => event.text === 'Which size do you ride?'),
      { timeoutMs: 20_000 },
    );

    // Signing out forgets the saved login: a reload shows the log-in form.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Password').waitFor();
    await page.reload();
    await page.getByLabel('Password').waitFor();
    assert.equal(await page.getByRole('tab', { name: /^Phil/ }).count(), 0);
    await eventually('the agent session ended', async () => (await liveSessionsOf('alice')).length === 0, {
      timeoutMs: 20_000,
    });

    await visitor.end().catch(() => undefined);
    await second.end().catch(() => undefined);
    assert.deepEqual(alice.problems, []);
    await alice.context.close();
  });

  it('shows the log-in form when the saved login has ended elsewhere', async () => {
    const alice = await openContext(browser, 1280);
    alice.context.setDefaultTimeout(20_000);
    const { page } = alice;
    await logIn(page, fixture, 'alice', 'alice-pass');
    const [session] = await liveSessionsOf('alice');
    assert.ok(session !== undefined);
    // The agent session ends behind the page's back (e.g. timed out while the laptop slept).
    const saved = await page.evaluate(savedWorkspace);
    assert.ok(saved !== null, 'the login is saved in the tab');
    const { login } = JSON.parse(saved) as { login: { bearer: string; agentSessionId: string } };
    const ended = await fetch(
      `${fixture.baseUrl}/api/account/${fixture.accountId}/agentSession/${encodeURIComponent(login.agentSessionId)}.json?v=1&NC=true`,
      { method: 'DELETE', headers: { authorization: `Bearer ${login.bearer}` } },
    );
    assert.ok(ended.ok, `the session ended (${ended.status})`);

    await page.reload();
    await page.getByLabel('Password').waitFor();
    await page.getByText(/Please log in again/).waitFor();
    assert.equal(await page.getByLabel('Username').inputValue(), 'alice');
    assert.equal(await page.evaluate(savedWorkspace), null);
    assert.deepEqual(alice.problems, []);
    await alice.context.close();
  });
});
