import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT } from '../stack';

/**
 * Debian's Chromium driven by playwright-core: nothing downloads a browser. `.ci/run` installs the
 * `chromium` package; FIREBREAK_CHROMIUM points at another executable.
 */
export const CHROMIUM = process.env.FIREBREAK_CHROMIUM ?? '/usr/bin/chromium';

/** Screenshots for people to look at after a run (CI keeps the folder; git ignores it). */
export const ARTIFACTS_DIR = join(ROOT, 'test-artifacts', 'console');

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Root in a container has no user namespace for the sandbox; /dev/shm is small there.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}

const ANALYSIS = /^\/api\/knowledge\/v1\/alerts\/[^/]+\/analysis$/;

/**
 * A fresh alert has no analysis yet: the knowledge service answers 404 and the page shows "No analysis yet",
 * but Chromium still logs "Failed to load resource … 404". That one, for that URL only, is not an error.
 */
function expectedError({ text, url }: { text: string; url: string }): boolean {
  if (!text.startsWith('Failed to load resource') || !text.includes('404')) return false;
  try {
    return ANALYSIS.test(new URL(url).pathname);
  } catch {
    return false;
  }
}

/** A tab of the console, signed in with `token`, that records every console error and uncaught exception. */
export class ConsoleTab {
  readonly errors: string[] = [];
  /** Every console message with the URL it is about (for a failed load, the resource's). */
  readonly messages: Array<{ type: string; text: string; url: string }> = [];

  private constructor(readonly page: Page) {
    page.on('console', (message) => {
      const entry = { type: message.type(), text: message.text(), url: message.location().url };
      this.messages.push(entry);
      if (entry.type === 'error' && !expectedError(entry)) this.errors.push(`${entry.text} (${entry.url})`);
    });
    page.on('pageerror', (error) => this.errors.push(`uncaught: ${error.message}`));
  }

  /** Opens `path` signed in the way `npm start`'s printed URL does it: `#token=…` in the fragment. */
  static async open(browser: Browser, consoleUrl: string, token: string, path = '/alerts'): Promise<ConsoleTab> {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const tab = new ConsoleTab(await context.newPage());
    await tab.page.goto(`${consoleUrl}${path}#token=${encodeURIComponent(token)}`);
    await tab.page.getByTestId('session').waitFor();
    return tab;
  }

  async goto(consoleUrl: string, path: string): Promise<void> {
    await this.page.goto(`${consoleUrl}${path}`);
    await this.page.getByTestId('session').waitFor();
  }

  async screenshot(name: string): Promise<string> {
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    const file = join(ARTIFACTS_DIR, `${name.replace(/[^a-z0-9-]+/gi, '-')}.png`);
    await this.page.screenshot({ path: file, fullPage: true });
    return file;
  }

  async close(): Promise<void> {
    await this.page.context().close();
  }
}
