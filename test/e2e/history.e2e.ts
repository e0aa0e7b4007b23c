/**
 * A long chat in the page: 400 messages from a Node SDK user. The page opens at the latest, scrolling up loads
 * pages of 50 until the first message, and the page never holds more than its window of messages; "to the
 * latest" brings the newest back.
 */
import { expect, test } from "@playwright/test";
import { Messenger } from "../../src/client/messenger.ts";
import { loadSigner } from "../../src/client/signing.ts";
import { signatureVerifier } from "../../src/client/verification.ts";
import { newWatchedPage } from "./support/browser.ts";
import { CertchatServe } from "./support/certchat-serve.ts";
import { logIn, openChatWith } from "./support/pages.ts";

const MESSAGES = 400;
/** web/src/chat/store.ts HISTORY_WINDOW. */
const WINDOW = 250;

let server: CertchatServe;

test.beforeAll(async () => {
  server = new CertchatServe();
  await server.start();
});

test.afterAll(async () => {
  await server?.close();
});

test("scrolls up through 400 messages page by page to the first, holding at most the window in the page", async ({
  browser,
}) => {
  const reader = server.issue({
    name: "Читатель Чат Длинный",
    snils: "10000000401",
    alg: "ecdsa-p256",
    phone: "79990000401",
  });
  const writer = server.issue({
    name: "Писатель Много Пишет",
    snils: "10000000402",
    alg: "ecdsa-p256",
    phone: "79990000402",
  });
  const { page, problems } = await newWatchedPage(browser);
  await logIn(page, server, reader, { kind: "pem" });

  const signer = await loadSigner(server.readFile(writer.certPath), server.readFile(writer.keyPath));
  const messenger = await Messenger.login({
    server: server.url,
    signer,
    verifier: signatureVerifier(),
    phone: `+${writer.phone}`,
    askCode: async (phone) => server.lastCodeFor(phone.replace(/\D/g, "")) ?? "",
  });
  const chat = await messenger.chatWith(`+${reader.phone}`);
  for (let n = 1; n <= MESSAGES; n += 1) await messenger.sendText(chat.chatId as string, `Сообщение №${n}.`);

  // The chat reached the reader's list live (chatAdded) and its messages with it: let them all arrive first.
  await expect(page.locator(".chat-item", { hasText: `Сообщение №${MESSAGES}.` })).toBeVisible();
  await openChatWith(page, `+${writer.phone}`, writer.name);
  const history = page.locator(".history");
  const messages = page.locator(".messages .message");
  await expect(messages.last()).toContainText(`Сообщение №${MESSAGES}.`);
  await expect(messages.last().locator("[data-signature=verified]")).toBeVisible();

  const firstId = () => messages.first().getAttribute("data-id").then(Number);
  const start = page.getByText("Начало переписки");
  let scrolls = 0;
  while (!(await start.isVisible())) {
    const before = await firstId();
    await history.evaluate((element) => {
      element.scrollTop = 0;
    });
    // An older page arrived, or the empty page past the first message told the page it is the start.
    await expect.poll(async () => (await firstId()) < before || (await start.isVisible())).toBe(true);
    expect(await messages.count()).toBeLessThanOrEqual(WINDOW);
    scrolls += 1;
  }
  // 7 older pages, then the empty one: the page asked 50 at a time.
  expect(scrolls).toBe(MESSAGES / 50);
  await expect(messages.first()).toContainText("Сообщение №1.");
  await expect(messages.last()).not.toContainText(`Сообщение №${MESSAGES}.`);

  await page.getByRole("button", { name: "↓ К последним сообщениям" }).click();
  await expect(messages.last()).toContainText(`Сообщение №${MESSAGES}.`);
  expect(await messages.count()).toBe(50);
  expect(problems).toEqual([]);
});
