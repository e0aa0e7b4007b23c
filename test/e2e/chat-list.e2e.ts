/**
 * The chat list as a person lives in it: unread marks (messages from others since the chat was last read on
 * this device, kept across a reload; one's own never count) with the total in the tab's title, and the keyboard
 * (↑/↓/Home/End between chats, Enter opens one into the composer, Escape returns to its item).
 */
import { expect, type Page, test } from "@playwright/test";
import type { Messenger } from "../../src/client/messenger.ts";
import { closeWatchedPages, newWatchedPage } from "./support/browser.ts";
import { CertchatServe, type IssuedUser, issueTrio } from "./support/certchat-serve.ts";
import { logIn, logInAgain, messageWith, send } from "./support/pages.ts";
import { sdkLogIn } from "./support/sdk-user.ts";

let server: CertchatServe;
let olga: IssuedUser;
let boris: IssuedUser;
let carl: IssuedUser;

test.beforeAll(async () => {
  server = new CertchatServe();
  await server.start();
  ({ olga, boris, carl } = issueTrio(server, "07"));
});

test.afterAll(async () => {
  await closeWatchedPages();
  await server?.close();
});

const item = (page: Page, name: string) => page.getByRole("option", { name: new RegExp(name) });
const unreadOf = (page: Page, name: string) => item(page, name).locator(".unread");

/** Boris and Carl (SDK users) each start a personal chat with Olga; their chat ids. */
async function chatsWithOlga(borisSdk: Messenger, carlSdk: Messenger): Promise<[string, string]> {
  const withBoris = (await borisSdk.chatWith(`+${olga.phone}`)).chatId as string;
  const withCarl = (await carlSdk.chatWith(`+${olga.phone}`)).chatId as string;
  return [withBoris, withCarl];
}

test("messages from others are marked unread until the chat's bottom is seen, the title counts them, and the marks survive a reload", async ({
  browser,
}) => {
  const olgaSide = await newWatchedPage(browser);
  const page = olgaSide.page;
  await logIn(page, server, olga, { kind: "pem" });
  await expect(page).toHaveTitle("certchat");
  const [borisSdk, carlSdk] = await Promise.all([sdkLogIn(server, boris), sdkLogIn(server, carl)]);
  const [withBoris, withCarl] = await chatsWithOlga(borisSdk, carlSdk);

  await borisSdk.sendText(withBoris, "Борис: первое");
  await borisSdk.sendText(withBoris, "Борис: второе");
  await carlSdk.sendText(withCarl, "Карл: одно");
  await expect(unreadOf(page, boris.name)).toHaveText("2");
  await expect(unreadOf(page, carl.name)).toHaveText("1");
  await expect(page).toHaveTitle("(3) certchat");

  // Opening a chat shows its bottom: it is read. One's own message never counts.
  await item(page, boris.name).click();
  await expect(messageWith(page, "Борис: второе")).toBeVisible();
  await expect(unreadOf(page, boris.name)).toHaveCount(0);
  await expect(page).toHaveTitle("(1) certchat");
  await send(page, "Ольга: отвечаю Борису");
  await page.keyboard.press("Escape");
  await expect(page.locator(".chat-header")).toHaveCount(0);

  // While no chat is open, a new message from Boris is unread again.
  await borisSdk.sendText(withBoris, "Борис: третье");
  await expect(unreadOf(page, boris.name)).toHaveText("1");
  await expect(page).toHaveTitle("(2) certchat");

  // A reload forgets the page but not the read marks (localStorage): Boris's third and Carl's one are unread.
  await logInAgain(page, server, olga);
  await expect(unreadOf(page, boris.name)).toHaveText("1");
  await expect(unreadOf(page, carl.name)).toHaveText("1");
  await expect(page).toHaveTitle("(2) certchat");
  await item(page, carl.name).click();
  await expect(messageWith(page, "Карл: одно")).toBeVisible();
  await expect(page).toHaveTitle("(1) certchat");
  expect(olgaSide.problems).toEqual([]);
});

test("the chat list is a listbox: arrows, Home and End move between chats, Enter opens one into the composer, Escape returns to it", async ({
  browser,
}) => {
  const olgaSide = await newWatchedPage(browser);
  const page = olgaSide.page;
  await logInAgain(page, server, olga);
  const list = page.getByRole("listbox", { name: "Чаты" });
  await expect(list.getByRole("option")).toHaveCount(2);
  // One tab stop for the whole list.
  await expect(list.locator("[tabindex='0']")).toHaveCount(1);
  const [first, second] = [list.getByRole("option").nth(0), list.getByRole("option").nth(1)];

  // Tab from the control before the list lands on its tab stop.
  await page.getByRole("button", { name: "+ Новая группа или канал" }).focus();
  await page.keyboard.press("Tab");
  await expect(first).toBeFocused();
  await page.keyboard.press("ArrowDown");
  await expect(second).toBeFocused();
  await page.keyboard.press("ArrowDown");
  await expect(second).toBeFocused();
  await page.keyboard.press("Home");
  await expect(first).toBeFocused();
  await page.keyboard.press("End");
  await expect(second).toBeFocused();
  await page.keyboard.press("ArrowUp");
  await expect(first).toBeFocused();

  const firstName = (await first.locator(".name").textContent()) ?? "";
  await page.keyboard.press("Enter");
  await expect(page.locator(".chat-header h2")).toHaveText(firstName);
  await expect(first).toHaveAttribute("aria-selected", "true");
  await expect(page.getByRole("textbox", { name: "Сообщение" })).toBeFocused();

  await page.keyboard.press("Escape");
  await expect(page.locator(".chat-header")).toHaveCount(0);
  await expect(item(page, firstName)).toBeFocused();
  expect(olgaSide.problems).toEqual([]);
});
