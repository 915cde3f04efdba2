import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { requireServices } from './databases.js';
import { eventually } from './eventually.js';
import type { startSdkServer } from './sdk.js';
import { WEB_APPS_ROOT } from '../../src/http/web/web-routes.js';

/** Debian's chromium, installed by scripts/install-chromium.sh (never a downloaded browser). */
export const CHROMIUM = process.env.PARLEY_CHROMIUM ?? '/usr/bin/chromium';

/** Where the browser tests leave their screenshots, to be looked at. */
export const SCREENSHOTS = join(new URL('../../', import.meta.url).pathname, 'test-output/screenshots');

/**
 * Why the browser tests cannot run here, or undefined when they can. Without chromium or a web
 * build they are skipped with the reason; with PARLEY_TEST_REQUIRE_SERVICES=1 (CI) they fail.
 */
export function browserUnavailable(): string | undefined {
  const problem = !existsSync(CHROMIUM)
    ? `no chromium at ${CHROMIUM} (run scripts/install-chromium.sh)`
    : !existsSync(join(WEB_APPS_ROOT, 'workspace/index.html'))
      ? 'the web apps are not built (run npm run build)'
      : undefined;
  if (problem !== undefined && requireServices) {
    throw new Error(`${problem}; PARLEY_TEST_REQUIRE_SERVICES=1 requires it`);
  }
  return problem;
}

/** Headless chromium as this machine runs it: no sandbox (root), no GPU, no calls home. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // The workspace's ring sounds without a click on the page first.
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}

/** A browser context of the given width, every page of which records script errors and dialogs. */
export async function openContext(browser: Browser, width: number, height = 800) {
  const context: BrowserContext = await browser.newContext({ viewport: { width, height } });
  // Playwright's 30 s for an action or a navigation is short for a loaded 2-core machine; a page
  // that never gets there still fails, later.
  context.setDefaultTimeout(90_000);
  const problems: string[] = [];
  context.on('page', (page) => watch(page, problems));
  const page = await context.newPage();
  return { context, page, problems };
}

function watch(page: Page, problems: string[]): void {
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.type()} ${dialog.message()}`);
    void dialog.dismiss();
  });
}

/** Saves a full-page screenshot as test-output/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

type Fixture = Awaited<ReturnType<typeof startSdkServer>>;

/** Logs an agent in on the workspace page at `availability`, and waits until the server has it so. */
export async function logIn(
  page: Page,
  fixture: Fixture,
  username: string,
  password: string,
  availability = 'Online',
): Promise<void> {
  const { baseUrl, accountId } = fixture;
  await page.goto(`${baseUrl}/workspace`);
  await page.getByLabel('Account').fill(accountId);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByLabel('Availability').selectOption(availability);
  const users = await fixture.server.store.users.list(accountId);
  const userId = users.find((user) => user.loginName === username)?.id;
  await eventually(`${username} is ${availability}`, async () => {
    const sessions = await fixture.server.store.agentSessions.listLive(accountId);
    return sessions.some((session) => session.userId === userId && session.availability === availability);
  });
}

/** The chat's transcript, in the workspace or the visitor window. */
export const transcript = (page: Page) => page.getByRole('log', { name: 'Transcript' });

/** Waits until the visible transcript shows `text`. */
export const shows = (page: Page, text: string | RegExp) => transcript(page).getByText(text).first().waitFor();

/**
 * Opens the visitor window for `skill`, answers the demo account's pre-chat survey (the visitor's
 * name only when given) and asks for a chat.
 */
export async function requestChat(
  page: Page,
  { baseUrl, accountId, appKey }: Pick<Fixture, 'baseUrl' | 'accountId' | 'appKey'>,
  skill: string,
  visitorName?: string,
): Promise<void> {
  await page.goto(`${baseUrl}/chat?account=${accountId}&appKey=${appKey}&skill=${skill}`);
  await page.getByLabel('What can we help you with?').selectOption('Buying');
  if (visitorName !== undefined) await page.getByLabel('What is your name?').fill(visitorName);
  await page.getByRole('button', { name: 'Start chat' }).click();
}
