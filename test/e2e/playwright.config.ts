/**
 * `npm run test:e2e`: the web client in Debian's Chromium (Playwright's own browser downloads are not used)
 * against a real `certchat serve` (the compiled dist/, started by each test file). One worker: the machine's
 * cores are shared, and each file runs its own server.
 */
import { defineConfig } from "@playwright/test";

export default defineConfig({
  testDir: ".",
  testMatch: "**/*.e2e.ts",
  timeout: 180_000,
  expect: { timeout: 30_000 },
  workers: 1,
  forbidOnly: !!process.env.CI,
  reporter: [["list"]],
  outputDir: "../../test-results/e2e",
  use: {
    browserName: "chromium",
    // A fresh profile for every context: Playwright launches with its own temporary user-data-dir.
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
    locale: "ru-RU",
    trace: "retain-on-failure",
  },
});
