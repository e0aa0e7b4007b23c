/** Pages in fresh browser contexts that record what went wrong in them: uncaught errors and console errors (CSP violations among them). */
import type { Browser, BrowserContext, Page } from "@playwright/test";

/** Every context this test file opened: closed with its server, or its pages would go on reconnecting. */
const contexts = new Set<BrowserContext>();

/** Closes the pages this file opened (their sockets would otherwise outlive the file's server). */
export async function closeWatchedPages(): Promise<void> {
  await Promise.all([...contexts].map((context) => context.close()));
  contexts.clear();
}

export interface WatchedPage {
  readonly page: Page;
  /** Uncaught exceptions and console errors so far. */
  readonly problems: string[];
}

export async function newWatchedPage(browser: Browser, width = 1280, height = 800): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width, height } });
  contexts.add(context);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  return { page, problems };
}
