/**
 * How the chat list loads: every chat is listed at once, in the order of its last message (the list's
 * `lastMessageId`), and each preview fills in when that chat's latest page has been read and checked. The
 * history requests are held by the test (Playwright's routing) and let go one by one, so each step is seen
 * between two releases, not raced.
 */
import { expect, type Page, type Route, test } from "@playwright/test";
import type { Messenger } from "../../src/client/messenger.ts";
import { closeWatchedPages, newWatchedPage } from "./support/browser.ts";
import { CertchatServe, type IssuedUser, issueTrio } from "./support/certchat-serve.ts";
import { logInAgain } from "./support/pages.ts";
import { sdkLogIn } from "./support/sdk-user.ts";

let server: CertchatServe;
let olga: IssuedUser;
let carlSdk: Messenger;
let withBoris: string;
let withCarl: string;

/** Olga (phone confirmed through the SDK) has three chats: Boris's and Carl's, one message each, and a silent group. */
test.beforeAll(async () => {
  server = new CertchatServe();
  await server.start();
  const trio = issueTrio(server, "11");
  olga = trio.olga;
  await sdkLogIn(server, olga);
  const borisSdk = await sdkLogIn(server, trio.boris);
  carlSdk = await sdkLogIn(server, trio.carl);
  withBoris = (await borisSdk.chatWith(`+${olga.phone}`)).chatId as string;
  await borisSdk.sendText(withBoris, "Борис: раньше");
  withCarl = (await carlSdk.chatWith(`+${olga.phone}`)).chatId as string;
  await carlSdk.sendText(withCarl, "Карл: позже");
  await borisSdk.createGroup("Тихая", [`+${olga.phone}`]);
});

test.afterAll(async () => {
  await closeWatchedPages();
  await server?.close();
});

const previewOf = (page: Page, name: string) =>
  page.getByRole("option", { name: new RegExp(name) }).locator(".preview");

test("the chat list is shown in order before its previews are read, each preview filling in as its page arrives; a chat without messages asks for none", async ({
  browser,
}) => {
  const olgaSide = await newWatchedPage(browser);
  const page = olgaSide.page;
  // A chat's latest page (no `rel`) is held; the live connection's catch-up pages pass.
  const held = new Map<string, Route>();
  await page.route("**/api/messages/", (route) => {
    const { chat, rel } = route.request().postDataJSON() as { chat: string; rel?: string };
    if (rel) return route.continue();
    held.set(chat, route);
  });
  await logInAgain(page, server, olga);

  // Both pages are asked for and held: the list is there, newest first, the two previews still loading.
  await expect.poll(() => held.size).toBe(2);
  await expect(page.getByRole("option")).toHaveText([/Карлов/, /Борисов/, /Тихая/]);
  await expect(previewOf(page, "Карлов")).toHaveText("Загрузка…");
  await expect(previewOf(page, "Борисов")).toHaveText("Загрузка…");
  await expect(previewOf(page, "Тихая")).toHaveText("Сообщений нет");

  await held.get(withBoris)?.continue();
  await expect(previewOf(page, "Борисов")).toContainText("Борис: раньше");
  await expect(previewOf(page, "Карлов")).toHaveText("Загрузка…");
  await held.get(withCarl)?.continue();
  await expect(previewOf(page, "Карлов")).toContainText("Карл: позже");
  await expect(page.getByRole("option")).toHaveText([/Карлов/, /Борисов/, /Тихая/]);
  expect([...held.keys()].sort()).toEqual([withBoris, withCarl].sort());
  expect(olgaSide.problems).toEqual([]);
});

test("a chat whose latest page cannot be read says so, with a notice, while the others load, and its new messages still arrive", async ({
  browser,
}) => {
  const olgaSide = await newWatchedPage(browser);
  const page = olgaSide.page;
  // Carl's chat answers its latest page with the server's own failure; every other request passes.
  await page.route("**/api/messages/", (route) => {
    const { chat, rel } = route.request().postDataJSON() as { chat: string; rel?: string };
    if (chat === withCarl && !rel) return route.fulfill({ json: { success: false, error: "CommonError" } });
    return route.continue();
  });
  await logInAgain(page, server, olga);

  await expect(previewOf(page, "Карлов")).toHaveText("Не удалось загрузить последнее сообщение");
  await expect(previewOf(page, "Борисов")).toContainText("Борис: раньше");
  await expect(
    page.getByRole("status").filter({ hasText: "На сервере произошла непредвиденная ошибка" }),
  ).toBeVisible();
  await carlSdk.sendText(withCarl, "Карл: снова");
  await expect(previewOf(page, "Карлов")).toContainText("Карл: снова");
  expect(olgaSide.problems).toEqual([]);
});
