/** Pages in fresh browser contexts that record what went wrong in them: uncaught errors and console errors (CSP violations among them). */
import type { Browser, Page } from "@playwright/test";

export interface WatchedPage {
  readonly page: Page;
  /** Uncaught exceptions and console errors so far. */
  readonly problems: string[];
}

export async function newWatchedPage(browser: Browser, width = 1280, height = 800): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  return { page, problems };
}
