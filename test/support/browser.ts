import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { requireServices } from './databases.js';
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
