import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { AgentClient, type AgentChat } from '../../packages/sdk/src/index.js';
import type { MailMessage } from '../../src/core/ports.js';
import { launchBrowser, screenshot } from '../support/browser.js';
import { databaseTargets } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { lpChatUnavailable, startBrandSite, tls, trustingFetch } from '../support/lpchat.js';
import { startSdkServer } from '../support/sdk.js';

const [sqlite] = await databaseTargets();
const unavailable = lpChatUnavailable();

type Fixture = Awaited<ReturnType<typeof startSdkServer>>;

/** What the brand page's `window.seen` collects from the SDK's events. */
interface Seen {
  inits: unknown[];
  lines: { lines: { text: string; source: string; by: string }[] }[];
  states: { state: string }[];
  agentTyping: { agentTyping: boolean }[];
  engagements: { status?: string; engagementDetails?: { skillName?: string } }[];
  infos: unknown[];
  requests: unknown[];
}

/** The pre-chat survey of the demo account (seeds/demo.json), answered. */
const preChatAnswers = {
  id: 40216,
  question: [
    { id: 12786273, value: 'Buying' },
    { id: 16314711, value: 'Phil' },
  ],
};

describe("LivePerson's JavaScript Chat SDK, unchanged, from another origin in Chromium", { skip: unavailable }, () => {
  let fixture: Fixture;
  let browser: Browser;
  let site: Awaited<ReturnType<typeof startBrandSite>>;
  const mails: MailMessage[] = [];

  before(async () => {
    fixture = await startSdkServer(sqlite!, { https: tls, mailer: { send: async (mail) => void mails.push(mail) } });
    site = await startBrandSite();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await fixture?.close();
  });

  const chatHost = () => new URL(fixture.baseUrl).host;

  /**
   * A visitor's browser on the brand site. The SDK's first request goes to api.liveperson.net (its
   * built-in Domain API host): that one name is answered by this server, as a DNS entry would.
   */
  async function openBrandPage(): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 800, height: 600 } });
    context.setDefaultTimeout(15_000);
    await context.route('https://api.liveperson.net/**', async (route) => {
      const asked = new URL(route.request().url());
      const response = await route.fetch({ url: `${fixture.baseUrl}${asked.pathname}${asked.search}` });
      await route.fulfill({ response });
    });
    const problems: string[] = [];
    const page = await context.newPage();
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    await page.goto(site.url);
    return { context, page, problems };
  }

  const seen = (page: Page) => page.evaluate(() => (globalThis as unknown as { seen: Seen }).seen);

  /** Creates the SDK's chat object the way LivePerson's sample page does, recording its events. */
  async function createChat(page: Page, extra: { getEngagementOnInit?: boolean } = {}) {
    await page.evaluate(
      ({ lpNumber, appKey, getEngagementOnInit }) => {
        const w = globalThis as unknown as {
          lpTag: { taglets: { ChatOverRestAPI: new (config: unknown) => unknown } };
          seen: Seen;
          record: (list: unknown[]) => (data: unknown) => void;
          chat: { getEngagement: () => void };
        };
        const { seen, record } = w;
        w.chat = new w.lpTag.taglets.ChatOverRestAPI({
          lpNumber,
          appKey,
          onInit: [
            record(seen.inits),
            () => {
              if (getEngagementOnInit) w.chat.getEngagement();
            },
          ],
          onLine: record(seen.lines),
          onState: record(seen.states),
          onAgentTyping: record(seen.agentTyping),
          onEngagement: record(seen.engagements),
          onInfo: record(seen.infos),
          onRequestChat: record(seen.requests),
        }) as { getEngagement: () => void };
      },
      { lpNumber: fixture.accountId, appKey: fixture.appKey, getEngagementOnInit: extra.getEngagementOnInit === true },
    );
    await page.waitForFunction(() => (globalThis as unknown as { seen: Seen }).seen.inits.length > 0);
  }

  const call = <T = unknown>(page: Page, method: string, args: Record<string, unknown> = {}) =>
    page.evaluate(
      ({ method, args }) =>
        (globalThis as unknown as { call: (method: string, args: unknown) => Promise<unknown> }).call(method, args),
      { method, args },
    ) as Promise<T>;

  /**
   * Calls an SDK method without waiting for its callbacks: addLine's success callback throws inside
   * the SDK itself (it reads `event.text` of an object without `event`), so it never runs.
   */
  const fire = (page: Page, method: string, args: Record<string, unknown> = {}) =>
    page.evaluate(
      ({ method, args }) => {
        const chat = (globalThis as unknown as { chat: Record<string, (args: unknown) => unknown> }).chat;
        const returned = chat[method]!(args) as { error?: string } | undefined;
        if (typeof returned === 'object' && returned !== null && 'error' in returned) throw new Error(returned.error);
      },
      { method, args },
    );

  const waitForState = (page: Page, state: string) =>
    page.waitForFunction(
      (state) => (globalThis as unknown as { seen: Seen }).seen.states.some((entry) => entry.state === state),
      state,
    );

  // onLine also reports a failed read (an object without lines): only lines count here.
  const waitForLine = (page: Page, text: string) =>
    page.waitForFunction(
      (text) =>
        (globalThis as unknown as { seen: Seen }).seen.lines.some((event) =>
          (event.lines ?? []).some((line) => line.text.includes(text)),
        ),
      text,
    );

  async function onlineAlice(): Promise<AgentClient> {
    const alice = await AgentClient.login({
      baseUrl: fixture.baseUrl,
      accountId: fixture.accountId,
      username: 'alice',
      password: 'alice-pass',
      fetch: trustingFetch,
    });
    await alice.setAvailability('Online');
    return alice;
  }

  async function acceptRinging(alice: AgentClient): Promise<AgentChat> {
    let chat: AgentChat | null = null;
    await eventually('a chat to ring at alice', async () => {
      chat = await alice.acceptNext();
      return chat !== null;
    });
    return chat!;
  }

  /** Whether the agent's chat has a line of `source` containing `text`. */
  const agentHas = async (chat: AgentChat, source: string, text: string) =>
    (await chat.history()).some(
      (event) => event.type === 'line' && event.source === source && (event.text ?? '').includes(text),
    );

  it('looks its hosts up, bridges through postmessage, and chats: survey, lines, typing, exit survey, transcript, end', async () => {
    const { page, context, problems } = await openBrandPage();
    await createChat(page);
    // The SDK resolved both hosts through the all-services lookup and loaded the bridge page.
    const frames = page.frames().map((frame) => frame.url());
    assert.ok(
      frames.some((url) => url.startsWith(`https://${chatHost()}/hcp/html/postmessage.min.html`)),
      frames.join('\n'),
    );

    const estimate = await call<{ estimatedWaitTime?: unknown }>(page, 'getEstimatedWaitTime', { skill: 'Sales' });
    assert.ok(estimate !== null && typeof estimate === 'object', JSON.stringify(estimate));

    const preChat = await call<{ survey: { id: number } }>(page, 'getPreChatSurvey');
    assert.equal(String(preChat.survey.id), '40216');

    const alice = await onlineAlice();
    await page.evaluate(
      (survey) =>
        (globalThis as unknown as { chat: { requestChat: (r: unknown) => void } }).chat.requestChat({
          skill: 'Sales',
          survey,
        }),
      preChatAnswers,
    );
    const chat = await acceptRinging(alice);
    await waitForState(page, 'chatting');
    assert.equal(
      await page.evaluate(() => (globalThis as unknown as { chat: { getState: () => string } }).chat.getState()),
      'chatting',
    );

    // Lines both ways.
    await chat.sendLine('Hello, this is Alice. How can I help?');
    await waitForLine(page, 'How can I help?');
    await fire(page, 'addLine', { text: 'I would like to buy a kettle' });
    await eventually('the visitor line at the agent', () => agentHas(chat, 'visitor', 'buy a kettle'));

    // Typing both ways.
    await chat.setTyping(true);
    await page.waitForFunction(() =>
      (globalThis as unknown as { seen: Seen }).seen.agentTyping.some((entry) => entry.agentTyping),
    );
    await chat.setTyping(false);
    await page.waitForFunction(() => {
      const typing = (globalThis as unknown as { seen: Seen }).seen.agentTyping;
      return typing.length > 1 && !typing[typing.length - 1]!.agentTyping;
    });
    await call(page, 'setVisitorTyping', { typing: true });
    await eventually('the agent to see the visitor typing', () => chat.isVisitorTyping());
    await call(page, 'setVisitorTyping', { typing: false });
    await eventually('the agent to see the visitor stop typing', async () => !(await chat.isVisitorTyping()));

    await call(page, 'setVisitorName', { visitorName: 'Phil Visitor' });
    await eventually('the agent to see the name', async () => (await chat.visitorName()) === 'Phil Visitor');
    await screenshot(page, 'lpchat-1-chatting');

    // Exit survey and transcript, then the visitor ends the chat.
    const exit = await call<{ survey: { id: number; questions: { question: { id: number } } } }>(page, 'getExitSurvey');
    assert.equal(String(exit.survey.id), '361348');
    await call(page, 'submitExitSurvey', { survey: { id: 361348, question: [{ id: 4991315, value: 'Yes' }] } });
    await call(page, 'requestTranscript', { email: 'phil@example.com' });
    await eventually('the transcript mail', () => mails.some((mail) => mail.to === 'phil@example.com'));
    assert.match(mails.find((mail) => mail.to === 'phil@example.com')!.text, /buy a kettle/);

    await call(page, 'endChat');
    await waitForState(page, 'ended');
    await eventually('the agent to see the chat end', async () => (await chat.info()).state === 'ended');
    await page.evaluate(() =>
      (globalThis as unknown as { chat: { disposeVisitor: () => void } }).chat.disposeVisitor(),
    );
    await alice.logout();
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('leaves an offline message when nobody is online: getOfflineSurvey, submitOfflineSurvey', async () => {
    const { page, context, problems } = await openBrandPage();
    await createChat(page);
    const offline = await call<{ survey: { id: number } }>(page, 'getOfflineSurvey');
    assert.equal(String(offline.survey.id), '40290');
    await call(page, 'submitOfflineSurvey', {
      skill: 'Sales',
      survey: {
        id: 40290,
        question: [
          { id: 13387460, value: 'phil@example.com' },
          { id: 13387461, value: 'Please call me back about the kettle' },
        ],
      },
    });
    const messages = await fixture.server.store.offlineMessages.list(fixture.accountId, 10);
    assert.ok(JSON.stringify(messages).includes('call me back about the kettle'));
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('carries on after dropped connections: the polls that failed are made again and nothing is lost', async () => {
    const { page, context, problems } = await openBrandPage();
    await createChat(page);
    const alice = await onlineAlice();
    await page.evaluate(() =>
      (globalThis as unknown as { chat: { requestChat: (r: unknown) => void } }).chat.requestChat({ skill: 'Sales' }),
    );
    const chat = await acceptRinging(alice);
    await waitForState(page, 'chatting');

    // The next three reads of the chat (the SDK polls the chat resource, events and info in one) lose
    // their connection: the SDK asks the bridge to try each request again (`retries` in its message)
    // and keeps polling, so the line sent meanwhile still arrives.
    let dropped = 0;
    await context.route(
      (url) => /\/chat\/[^/]+$/.test(url.pathname),
      async (route) => {
        if (route.request().method() === 'GET' && dropped < 3) {
          dropped += 1;
          await route.abort('connectionreset');
        } else await route.fallback();
      },
    );
    // A read already on its way when the route was set would carry the line past it: the line goes
    // once the reads are being dropped, so it can arrive only on a read made again.
    await eventually('a read of the chat dropped', () => dropped >= 1, { timeoutMs: 60_000 });
    await chat.sendLine('Are you still there?');
    await waitForLine(page, 'still there?');
    assert.equal(dropped, 3, 'the first three reads were dropped before the line arrived');
    await fire(page, 'addLine', { text: 'Yes, after a hiccup' });
    await eventually('the visitor line at the agent', () => agentHas(chat, 'visitor', 'after a hiccup'));
    await call(page, 'endChat', { disposeVisitor: true });
    await eventually('the agent to see the chat end', async () => (await chat.info()).state === 'ended');
    await alice.logout();
    assert.deepEqual(
      problems.filter((problem) => !problem.includes('connection')),
      [],
    );
    await context.close();
  });

  it("follows LivePerson's sample page: getEngagement on init, then requestChat with the engagement", async () => {
    const { page, context, problems } = await openBrandPage();
    const alice = await onlineAlice();
    await createChat(page, { getEngagementOnInit: true });
    await page.waitForFunction(() => (globalThis as unknown as { seen: Seen }).seen.engagements.length > 0);
    const [engagement] = (await seen(page)).engagements as {
      status: string;
      visitorId: string;
      sessionId: string;
      engagementDetails: {
        contextId: string;
        skillName: string;
        engagementId: number;
        campaignId: number;
        language: string;
      };
    }[];
    assert.equal(engagement!.status, 'Available');
    assert.equal(engagement!.engagementDetails.skillName, 'Sales');

    // The sample's startChat(), field for field.
    await page.evaluate((data) => {
      const chatRequest = {
        LETagVisitorId: data.visitorId,
        LETagSessionId: data.sessionId,
        LETagContextId: data.engagementDetails.contextId,
        skill: data.engagementDetails.skillName,
        engagementId: data.engagementDetails.engagementId,
        campaignId: data.engagementDetails.campaignId,
        language: data.engagementDetails.language,
      };
      (globalThis as unknown as { chat: { requestChat: (r: unknown) => void } }).chat.requestChat(chatRequest);
    }, engagement!);
    const chat = await acceptRinging(alice);
    await waitForState(page, 'chatting');
    await chat.sendLine('Welcome from the sample flow');
    await waitForLine(page, 'sample flow');
    await fire(page, 'addLine', { text: 'Thanks!' });
    await eventually('the visitor line at the agent', () => agentHas(chat, 'visitor', 'Thanks!'));
    await call(page, 'endChat', { disposeVisitor: true });
    await eventually('the agent to see the chat end', async () => (await chat.info()).state === 'ended');
    await alice.logout();
    assert.deepEqual(problems, []);
    await context.close();
  });
});
