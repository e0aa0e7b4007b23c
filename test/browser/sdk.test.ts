/**
 * The SDK in a real browser: the esbuild bundle of src/client (scripts/sdk-browser-bundle.ts) loaded in Debian's
 * Chromium through playwright-core, against a certchat server on loopback, chatting with a Node SDK user.
 * The page and the bundle are served at the server's origin (Playwright answers /sdk/… from the test), as a web
 * client is served behind the same load balancer as the API: the SDK's calls are same-origin.
 * Chromium is required under CI=true (.ci/run installs it); elsewhere these tests skip without it.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import {
  bundleSdkForBrowser,
  type SdkBrowserBundle,
  SdkBrowserBundleError,
} from "../../scripts/sdk-browser-bundle.ts";
import type * as Sdk from "../../src/client/index.ts";
import type { IssueAlgorithm } from "../../src/server/test-ca.ts";
import { type SdkUser, sdkUser } from "../client/support.ts";
import { chatServerEnv } from "../support/chats.ts";
import { issueUser, startTestServer, type TestServer } from "../support/server.ts";
import { useTempDir } from "../support/temp-dir.ts";
import { toolSkip } from "../support/tools.ts";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** What the test puts on the page's `window`. */
interface TestWindow {
  certchat: typeof Sdk;
  messenger: Sdk.Messenger;
  /** The SMS code the server sent to `phone` (exposed from Node). */
  smsCodeFor(phone: string): Promise<string>;
}

type Seen = [text: string | null, signature: Sdk.SignatureStatus, user: string][];

const userDataDir = useTempDir("certchat-chromium-");
const chromiumSkip = toolSkip(CHROMIUM);
let phoneSequence = 0;

describe("the SDK bundle in Chromium against a certchat server", { skip: chromiumSkip }, () => {
  let server: TestServer;
  let context: BrowserContext;
  let bundle: SdkBrowserBundle | SdkBrowserBundleError;

  before(async () => {
    bundle = await bundleSdkForBrowser().catch((error: unknown) => {
      if (error instanceof SdkBrowserBundleError) return error;
      throw error;
    });
    server = await startTestServer({ caAlg: "gost2012-256", env: chatServerEnv });
    context = await chromium.launchPersistentContext(await userDataDir(), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
    });
    // tsx compiles this file with esbuild's keepNames, which wraps named functions in a `__name` helper that
    // only exists in Node: the functions handed to page.evaluate need it in the page too.
    await context.addInitScript("globalThis.__name = (fn) => fn;");
    await context.route(`${server.url}/sdk/**`, (route) => {
      const path = new URL(route.request().url()).pathname;
      if (path === "/sdk/index.html") {
        return route.fulfill({
          contentType: "text/html",
          body: "<!doctype html><title>certchat SDK</title>",
        });
      }
      if (path === "/sdk/certchat-client.js" && !(bundle instanceof Error)) {
        return route.fulfill({ contentType: "text/javascript", body: Buffer.from(bundle.code) });
      }
      return route.fulfill({ status: 404 });
    });
    await context.exposeFunction("smsCodeFor", (phone: string) => server.sms.lastCodeFor(phone)?.code ?? "");
  });

  after(async () => {
    await context?.close();
    await server?.close();
  });

  async function openPage(): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${server.url}/sdk/index.html`);
    return page;
  }

  it("serves a page at the server's origin that reaches the API", async () => {
    const page = await openPage();
    const ready = await page.evaluate(() => fetch("/readyz").then((response) => response.json()));
    assert.deepEqual(ready, { success: true, data: { status: "ready" } });
    await page.close();
  });

  it("bundles the SDK for browsers", (t) => {
    if (bundle instanceof Error) assert.fail(bundle.message);
    t.diagnostic(`bundle: ${bundle.code.byteLength} bytes, ${bundle.gzippedBytes} gzipped`);
  });

  /** Logs in on `page` with a fresh certificate of `alg`, its key handed over as PEM bytes; returns the phone. */
  async function logInOnPage(page: Page, alg: IssueAlgorithm, name: string): Promise<string> {
    phoneSequence += 1;
    // SNILS keys profiles: a 9 where sdkUser's serials (test/client/support.ts) have a 0 keeps the two apart.
    const serial = `${String(process.pid % 100_000).padStart(5, "0")}9${String(phoneSequence).padStart(5, "0")}`;
    const phone = `7979${serial.slice(-7)}`;
    const user = await issueUser(server, { name, snils: serial, alg });
    if (bundle instanceof Error) assert.fail(bundle.message);
    // The module script runs at the page's origin; evaluated as a string so tsc leaves the URL alone.
    await page.evaluate("import('/sdk/certchat-client.js').then((sdk) => { window.certchat = sdk; })");
    await page.evaluate(
      async ({ url, certificate, key, phone }) => {
        const browser = window as unknown as TestWindow;
        const signer = await browser.certchat.loadSigner(
          new Uint8Array(certificate),
          new TextDecoder().decode(new Uint8Array(key)),
        );
        browser.messenger = await browser.certchat.Messenger.login({
          server: url,
          signer,
          verifier: browser.certchat.signatureVerifier(),
          phone,
          askCode: (asked) => browser.smsCodeFor(asked),
        });
      },
      { url: server.url, certificate: [...user.der], key: [...new TextEncoder().encode(user.keyPem)], phone },
    );
    return phone;
  }

  for (const alg of ["ecdsa-p256", "ecdsa-p521", "gost2012-256"] as const) {
    it(`logs in with a ${alg} key, creates a chat with a Node SDK user and exchanges verified messages both ways`, async () => {
      const page = await openPage();
      const browserName = "Браузеров Борис Борисович";
      const browserPhone = await logInOnPage(page, alg, browserName);
      const node: SdkUser = await sdkUser(server, alg, "Нодов Николай Николаевич");

      const chatId = await page.evaluate(async (nodePhone) => {
        const { messenger } = window as unknown as TestWindow;
        const chat = await messenger.chatWith(nodePhone);
        if (!chat.chatId) throw new Error("chatWith gave no chat id");
        await messenger.sendText(chat.chatId, "Из браузера");
        return chat.chatId;
      }, node.phone);
      assert.equal((await node.messenger.chatWith(browserPhone)).chatId, chatId);
      await node.messenger.sendText(chatId, "Из Node");

      const expected: Seen = [
        ["Из браузера", "verified", browserName],
        ["Из Node", "verified", node.name],
      ];
      const seenInBrowser = await page.evaluate(async (chat): Promise<Seen> => {
        const { messenger } = window as unknown as TestWindow;
        const history = await messenger.history(chat);
        return history.map((read) => [read.text, read.signature, read.message.user]);
      }, chatId);
      assert.deepEqual(seenInBrowser, expected);
      const seenInNode = await node.messenger.history(chatId);
      assert.deepEqual(
        seenInNode.map((read) => [read.text, read.signature, read.message.user]),
        expected,
      );
      await page.close();
    });
  }
});
