/**
 * Long chats in the page, from a Node SDK writer. The page opens at the latest, scrolling up loads pages of 50
 * until the first message with the message in view kept in place, "↓ К последним сообщениям" (shown once the
 * reader is a screen away from the bottom) brings the newest back, and however long the chat, only the rows near
 * the view are in the page (web/src/ui/history-view.tsx). 2 000 messages rather than 10 000 keep the file near a
 * minute; bench/web.ts scrolls through 10 000.
 */
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { closeWatchedPages, newWatchedPage } from "./support/browser.ts";
import { CertchatServe } from "./support/certchat-serve.ts";
import { fillChat, numberedTexts } from "./support/fill-chat.ts";
import { holdAtTop } from "./support/history.ts";
import { logIn, openChatWith } from "./support/pages.ts";
import { sdkLogIn } from "./support/sdk-user.ts";

/** Well above what a screen and its overscan hold (about 40 rows at 800 px), far below any long chat. */
const MOST_ROWS_IN_PAGE = 200;

let server: CertchatServe;

test.beforeAll(async () => {
  server = new CertchatServe();
  await server.start();
});

test.afterAll(async () => {
  await closeWatchedPages();
  await server?.close();
});

function users(serial: string) {
  const reader = server.issue({
    name: "Читатель Чат Длинный",
    snils: `1000000${serial}01`,
    alg: "ecdsa-p256",
    phone: `7999000${serial}01`,
  });
  const writer = server.issue({
    name: `Писатель Много Пишет${serial}`,
    snils: `1000000${serial}02`,
    alg: "ecdsa-p256",
    phone: `7999000${serial}02`,
  });
  return { reader, writer };
}

test("scrolls up through 400 messages page by page to the first, the message in view kept in place", async ({
  browser,
}) => {
  const { reader, writer } = users("04");
  const { page, problems } = await newWatchedPage(browser);
  await logIn(page, server, reader, { kind: "pem" });
  const messenger = await sdkLogIn(server, writer);
  const chat = (await messenger.chatWith(`+${reader.phone}`)).chatId as string;
  const count = 400;
  for (const text of numberedTexts(count)) await messenger.sendText(chat, text);

  // The chat reached the reader's list live (chatAdded) and its messages with it: let them all arrive first.
  await expect(page.locator(".chat-item", { hasText: `Сообщение №${count}.` })).toBeVisible();
  await openChatWith(page, `+${writer.phone}`, writer.name);
  const messages = page.locator(".messages .message");
  await expect(messages.last()).toContainText(`Сообщение №${count}.`);
  await expect(messages.last().locator("[data-signature=verified]")).toBeVisible();

  const { pages, mostRows } = await holdAtTop(page);
  // Each older page went above the message that was first, which stayed where the reader saw it.
  for (const arrival of pages) expect(Math.abs(arrival.topAfter - arrival.topBefore)).toBeLessThanOrEqual(1);
  expect(mostRows).toBeLessThan(MOST_ROWS_IN_PAGE);
  // 7 older pages after the latest: the page asked 50 at a time.
  expect(pages.length).toBe(count / 50 - 1);
  await expect(messages.first()).toContainText("Сообщение №1.");
  await expect(messages.last()).not.toContainText(`Сообщение №${count}.`);

  await page.getByRole("button", { name: "↓ К последним сообщениям" }).click();
  await expect(messages.last()).toContainText(`Сообщение №${count}.`);
  await expect(messages.last()).toBeInViewport();
  await expect(page.getByRole("button", { name: "↓ К последним сообщениям" })).toBeHidden();
  expect(problems).toEqual([]);
});

test("a chat of 2 000 messages keeps fewer than 200 rows in the page from the first message to the latest", async ({
  browser,
}) => {
  const { reader, writer } = users("05");
  const { page, problems } = await newWatchedPage(browser);
  await logIn(page, server, reader, { kind: "pem" });
  const messenger = await sdkLogIn(server, writer);
  const chat = (await messenger.chatWith(`+${reader.phone}`)).chatId as string;
  const count = 2_000;
  await fillChat(messenger, chat, join(server.dataDir, "certchat.sqlite"), numberedTexts(count));

  await expect(page.locator(".chat-item", { hasText: `Сообщение №${count}.` })).toBeVisible();
  await openChatWith(page, `+${writer.phone}`, writer.name);
  const history = page.locator(".history");
  const messages = page.locator(".messages .message");
  await expect(messages.last()).toContainText(`Сообщение №${count}.`);

  const { mostRows, pages } = await holdAtTop(page);
  expect(pages.length).toBe(count / 50 - 1);
  expect(mostRows).toBeLessThan(MOST_ROWS_IN_PAGE);
  await expect(messages.first()).toContainText("Сообщение №1.");
  await expect(messages.first().locator("[data-signature=verified]")).toBeVisible();

  await page.getByRole("button", { name: "↓ К последним сообщениям" }).click();
  await expect(messages.last()).toContainText(`Сообщение №${count}.`);
  await expect(messages.last()).toBeInViewport();
  expect(await messages.count()).toBeLessThan(MOST_ROWS_IN_PAGE);

  // And back to the top in one move: every page is held, so the first message is there at once.
  await history.evaluate((element) => {
    element.scrollTop = 0;
  });
  await expect(messages.first()).toContainText("Сообщение №1.");
  await expect(messages.first()).toBeInViewport();
  expect(await messages.count()).toBeLessThan(MOST_ROWS_IN_PAGE);
  expect(problems).toEqual([]);
});
