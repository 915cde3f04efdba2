import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { VisitorClient } from '../../packages/sdk/src/index.js';
import { browserUnavailable, launchBrowser, logIn, openContext, requestChat, screenshot } from '../support/browser.js';
import { databaseTargets } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { startSdkServer } from '../support/sdk.js';

const [sqlite] = await databaseTargets();
const unavailable = browserUnavailable();

type Fixture = Awaited<ReturnType<typeof startSdkServer>>;

// A workspace tab closed without signing out: its agent session is bound to its connections, so the
// agent leaves availability within seconds (the grace, 10 s by default) instead of after the legacy
// 400 s idle timeout; the visitor left waiting is told and offered the offline form.
describe('a workspace tab closed without signing out', { skip: unavailable }, () => {
  let fixture: Fixture;
  let browser: Browser;

  before(async () => {
    fixture = await startSdkServer(sqlite!);
    // The server's first timer turn (the start-up rule of connection-bound sessions) is behind it.
    await fixture.server.core.tick();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await fixture?.close();
  });

  it('takes the agent out of availability, and the waiting visitor is offered to leave a message', async () => {
    const { baseUrl, accountId, appKey } = fixture;
    const sales = { baseUrl, accountId, appKey, skill: 'Sales' };
    const alice = await openContext(browser, 1280);
    const visitor = await openContext(browser, 360, 740);
    for (const { context } of [alice, visitor]) context.setDefaultTimeout(60_000);

    await logIn(alice.page, fixture, 'alice', 'alice-pass');
    assert.equal(await VisitorClient.isAvailable(sales), true);

    // The visitor asks for a chat; it rings at alice, who never answers: she closes the tab.
    await requestChat(visitor.page, fixture, 'Sales', 'Phil');
    await alice.page.getByRole('button', { name: 'Accept' }).waitFor();
    await alice.context.close();

    // The server sees the tab's connections close and marks the session detached; ten seconds later
    // on the server's (manual) clock its timers take the agent out of availability. The legacy idle
    // timeout (400 s) is far away: without the binding nothing would change here.
    const users = await fixture.server.store.users.list(accountId);
    const aliceId = users.find((user) => user.loginName === 'alice')?.id;
    const alicesSessions = async () =>
      (await fixture.server.store.agentSessions.listLive(accountId)).filter((session) => session.userId === aliceId);
    await eventually('alice detached', async () =>
      (await alicesSessions()).every((s) => (s.detachedAt ?? null) !== null),
    );
    assert.equal(await VisitorClient.isAvailable(sales), true, 'still available within the grace');
    fixture.server.clock.advance(11_000);
    await fixture.server.core.tick();
    assert.equal(await VisitorClient.isAvailable(sales), false);
    const live = await alicesSessions();
    assert.equal(live.length, 1);
    assert.ok(
      live.every((session) => session.availability !== 'Online'),
      'no session of alice is Online any more',
    );

    // The window says nobody is there and offers the offline form, which sends.
    const nobody = visitor.page.getByRole('status', { name: 'Nobody is available' });
    await nobody.waitFor({ timeout: 90_000 });
    await screenshot(visitor.page, 'visitor-nobody-available');
    await nobody.getByRole('button', { name: 'Leave a message' }).click();
    await visitor.page.getByLabel('Your e-mail address').fill('phil@example.com');
    await visitor.page.getByLabel('Your message').fill('Please call me back about the bike');
    await visitor.page.getByRole('button', { name: 'Send message' }).click();
    await visitor.page.getByText('We got your message').waitFor();
    assert.deepEqual(alice.problems, []);
    assert.deepEqual(visitor.problems, []);
  });
});
