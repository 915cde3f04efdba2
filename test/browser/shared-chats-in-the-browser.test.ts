import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
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
import { eventually } from '../support/eventually.js';
import { startSdkServer } from '../support/sdk.js';

const [sqlite] = await databaseTargets();
const unavailable = browserUnavailable();

type Fixture = Awaited<ReturnType<typeof startSdkServer>>;

/** The demo manager: Sales and Support, so allowed to listen and assist in both by default. */
const BOB = {
  id: 2005,
  loginName: 'bob',
  password: 'bob-pass',
  nickname: 'Bob',
  fullName: 'Bob Roe',
  skills: ['Sales', 'Support'],
  maxChats: 3,
  role: 'manager',
};

describe('shared chats in real Chromium', { skip: unavailable }, () => {
  let fixture: Fixture;
  let browser: Browser;

  before(async () => {
    // The server's clock starts at the browser's: the live chats count waits from the server's times.
    fixture = await startSdkServer(sqlite!, { startTime: Date.now() }, [BOB]);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await fixture?.close();
  });

  it('a supervisor listens, whispers, joins and takes over from the live chats', async () => {
    const { accountId } = fixture;
    const alice = await openContext(browser, 1280);
    const bob = await openContext(browser, 1280);
    const visitor = await openContext(browser, 360, 740);
    for (const { context } of [alice, bob, visitor]) context.setDefaultTimeout(15_000);

    await logIn(alice.page, fixture, 'alice', 'alice-pass', 'Online');
    // Away: Sales chats ring at alice, not at the supervisor; participants are never rung anyway.
    await logIn(bob.page, fixture, 'bob', 'bob-pass', 'Away');

    // alice is an agent: she may not listen, so she has no live chats view.
    await alice.page.getByRole('region', { name: 'Incoming chats' }).waitFor();
    const liveChatsButton = bob.page.getByRole('button', { name: /^Live chats/ });
    await liveChatsButton.click();
    const live = bob.page.getByRole('region', { name: 'Live chats' });
    await live.getByText('No chats right now.').waitFor();
    assert.equal(await alice.page.getByRole('button', { name: /^Live chats/ }).count(), 0);

    // A visitor asks for Sales: the chat waits, and bob sees it waiting, with its wait counting.
    await requestChat(visitor.page, fixture, 'Sales', 'Phil');
    const sales = live.getByRole('region', { name: /^Sales/ });
    const row = sales.getByRole('row', { name: /Phil/ });
    await row.getByText('Waiting').waitFor();
    await row.getByText(/^0:\d\d$/).waitFor();
    await screenshot(bob.page, 'shared-1-live-waiting');

    // alice accepts; bob's row shows the chat in progress with her.
    await alice.page.getByRole('button', { name: 'Accept' }).click();
    await shows(alice.page, /Thank you for choosing to chat with us/);
    await row.getByText('In progress').waitFor();
    await row.getByRole('cell', { name: 'Alice' }).waitFor();
    await alice.page.getByRole('textbox', { name: 'Message' }).fill('Hello Phil, how can I help?');
    await alice.page.getByRole('button', { name: 'Send' }).click();
    await visitor.page.getByRole('textbox', { name: 'Message' }).fill('I would like to buy a bike');
    await visitor.page.getByRole('button', { name: 'Send' }).click();
    await shows(alice.page, 'I would like to buy a bike');
    await screenshot(bob.page, 'shared-2-live-in-progress');

    // bob listens: the whole chat so far, the participants, and a composer that only whispers.
    await row.getByRole('button', { name: 'Listen' }).click();
    await shows(bob.page, 'I would like to buy a bike');
    await shows(bob.page, 'Hello Phil, how can I help?');
    const bobsPeople = bob.page.getByRole('region', { name: 'Participants' });
    await bobsPeople.getByText('Alice').waitFor();
    await bobsPeople.getByText('Bob (you)').waitFor();
    await bobsPeople.getByText('listener').waitFor();
    const onlyAgents = bob.page.getByRole('checkbox', { name: 'Only agents' });
    assert.equal(await onlyAgents.isChecked(), true);
    assert.equal(await onlyAgents.isDisabled(), true);
    await bob.page.getByRole('textbox', { name: 'Message' }).fill('Offer him the spring discount');
    await bob.page.getByRole('button', { name: 'Send' }).click();

    // alice sees the whisper marked as agents-only, with its author, and who joined.
    const whisper = transcript(alice.page).locator('.line').filter({ hasText: 'Offer him the spring discount' });
    await whisper.getByText('Only agents see this').waitFor();
    await whisper.getByText('Bob', { exact: true }).waitFor();
    await shows(alice.page, 'Bob joined as listener');
    await alice.page.getByRole('region', { name: 'Participants' }).getByText('listener').waitFor();
    await screenshot(alice.page, 'shared-3-holder-sees-whisper');
    await screenshot(bob.page, 'shared-4-listening');

    // bob joins as an assistant from the live chats, and writes to the visitor.
    await liveChatsButton.click();
    await row.getByText('Listening').waitFor();
    await row.getByRole('button', { name: 'Join' }).click();
    await transcript(bob.page).waitFor();
    await bobsPeople.getByText('assistant').waitFor();
    assert.equal(await onlyAgents.isChecked(), false);
    await bob.page.getByRole('textbox', { name: 'Message' }).fill('Hi Phil, Bob here: bikes are 10% off this week.');
    await bob.page.getByRole('button', { name: 'Send' }).click();
    await shows(visitor.page, 'Hi Phil, Bob here: bikes are 10% off this week.');
    await shows(visitor.page, 'Bob has joined the chat.');
    await shows(alice.page, 'Bob is now an assistant');
    // The whisper came before these lines: the visitor would have it by now, and does not.
    assert.equal(await transcript(visitor.page).getByText('Offer him the spring discount').count(), 0);
    assert.equal(
      await transcript(visitor.page)
        .getByText(/joined as listener/)
        .count(),
      0,
    );
    await screenshot(visitor.page, 'shared-5-visitor-sees-assistant');
    await screenshot(bob.page, 'shared-6-assisting');

    // bob takes over from the live chats: alice loses the chat, the visitor is told who has it now.
    await liveChatsButton.click();
    await row.getByText('Assisting').waitFor();
    await row.getByRole('button', { name: 'Take over' }).click();
    await bob.page.getByRole('button', { name: 'End chat' }).waitFor();
    await alice.page
      .getByRole('tabpanel', { name: 'Phil' })
      .getByText('This chat is no longer assigned to you.')
      .waitFor();
    // Her composer and her holder's buttons are gone with it.
    assert.equal(await alice.page.getByRole('textbox', { name: 'Message' }).count(), 0);
    assert.equal(await alice.page.getByRole('button', { name: 'End chat' }).count(), 0);
    await shows(visitor.page, 'You are now chatting with Bob.');
    await shows(bob.page, 'Bob took over the chat');
    await bobsPeople.getByText('Bob (you)').waitFor();
    assert.equal(await bob.page.getByRole('checkbox', { name: 'Only agents' }).isChecked(), false);
    await screenshot(alice.page, 'shared-7-holder-lost-chat');
    await screenshot(bob.page, 'shared-8-took-over');

    // bob now holds it: his lines go to the visitor, and he ends the chat.
    await bob.page.getByRole('textbox', { name: 'Message' }).fill('Which bike would you like, Phil?');
    await bob.page.getByRole('button', { name: 'Send' }).click();
    await shows(visitor.page, 'Which bike would you like, Phil?');
    await screenshot(visitor.page, 'shared-9-visitor-new-agent');
    assert.equal(await transcript(visitor.page).getByText('Offer him the spring discount').count(), 0);

    // What the server stored: bob holds the chat now.
    const chats = await chatsInState(fixture.server, accountId, 'chatting');
    assert.deepEqual(
      chats.map((chat) => chat.agentName),
      ['Bob'],
    );

    // bob ends the chat he now holds; his wrap-up follows.
    await bob.page.getByRole('button', { name: 'End chat' }).click();
    await bob.page.getByRole('button', { name: 'Yes, end it' }).click();
    await bob.page.getByRole('button', { name: 'Submit survey' }).waitFor();

    for (const { problems } of [alice, bob, visitor]) assert.deepEqual(problems, []);
    await Promise.all([alice, bob, visitor].map(({ context }) => context.close()));
  });

  it('the holder invites a colleague, who accepts; a suggested reply goes to the composer and to the visitor', async () => {
    const { baseUrl, accountId, appKey } = fixture;
    const alice = await openContext(browser, 1280);
    const bob = await openContext(browser, 1280);
    for (const { context } of [alice, bob]) context.setDefaultTimeout(15_000);
    await logIn(alice.page, fixture, 'alice', 'alice-pass', 'Online');
    await logIn(bob.page, fixture, 'bob', 'bob-pass', 'Away');

    const visitor = await VisitorClient.startChat({
      baseUrl,
      accountId,
      appKey,
      skill: 'Sales',
      visitorName: 'Mia',
      keepAliveMs: 0,
    });
    await alice.page.getByRole('button', { name: 'Accept' }).click();
    await shows(alice.page, /You are now chatting with Alice/);

    // alice invites bob (Away: not rung, but logged in) with a note.
    await alice.page.getByRole('button', { name: 'Invite' }).click();
    const dialog = alice.page.getByRole('dialog', { name: 'Invite to chat' });
    await dialog.getByLabel('Invite').selectOption({ label: 'Bob (Away)' });
    await dialog.getByLabel('Note').fill('She asks about delivery times');
    await screenshot(alice.page, 'shared-10-invite');
    await dialog.getByRole('button', { name: 'Send invitation' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await shows(alice.page, 'Alice invited Bob to assist');

    // bob's workspace shows the invitation like a ring; he accepts and assists.
    const invitations = bob.page.getByRole('region', { name: 'Invitations' });
    await invitations.getByText('Alice invites you to assist').waitFor();
    await invitations.getByText('She asks about delivery times').waitFor();
    await screenshot(bob.page, 'shared-11-invitation');
    await invitations.getByRole('button', { name: 'Accept' }).click();
    await invitations.waitFor({ state: 'detached' });
    await bob.page.getByRole('region', { name: 'Participants' }).getByText('Bob (you)').waitFor();
    await bob.page.getByRole('region', { name: 'Participants' }).getByText('assistant').waitFor();
    await shows(alice.page, 'Bob joined as assistant');

    // A suggestion (from bob's own script, listening on the side): alice takes the reply and sends it.
    const script = await AgentClient.login({ baseUrl, accountId, username: 'bob', password: 'bob-pass' });
    const live = (await script.listLiveChats()).find((entry) => entry.visitorName === 'Mia');
    assert.ok(live !== undefined, "Mia's chat is live");
    const chat = await script.join(live.chatId, { role: 'listener' });
    await chat.suggest('Bikes ship within two days.', { note: 'Tell her about shipping' });
    const suggestion = transcript(alice.page).locator('.line').filter({ hasText: 'Tell her about shipping' });
    await suggestion.getByText('Only agents see this').waitFor();
    await suggestion.getByText('Bikes ship within two days.').waitFor();
    await screenshot(alice.page, 'shared-12-suggestion');
    await suggestion.getByRole('button', { name: 'Use reply' }).click();
    const message = alice.page.getByRole('textbox', { name: 'Message' });
    // The composer shows the reply once React has run its effect, after the click has returned.
    await eventually(
      'the composer to hold the suggested reply',
      async () => (await message.inputValue()) === 'Bikes ship within two days.',
    );
    assert.equal(await message.inputValue(), 'Bikes ship within two days.');
    await alice.page.getByRole('button', { name: 'Send' }).click();
    await eventually('the visitor has the suggested reply', async () =>
      (await visitor.history()).some((event) => event.text === 'Bikes ship within two days.'),
    );
    // The tip itself never reached the visitor.
    assert.equal((await visitor.history()).filter((event) => event.text === 'Tell her about shipping').length, 0);
    // Only the holder takes suggestions: bob sees the tip, without the button.
    await shows(bob.page, 'Tell her about shipping');
    assert.equal(await transcript(bob.page).getByRole('button', { name: 'Use reply' }).count(), 0);

    await script.logout();
    await visitor.end();
    visitor.close();
    for (const { problems } of [alice, bob]) assert.deepEqual(problems, []);
    await Promise.all([alice, bob].map(({ context }) => context.close()));
  });
});
