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
import { alertOf, logInAgain } from "./support/pages.ts";
import { sdkLogIn } from "./support/sdk-user.ts";

let server: CertchatServe;
let olga: IssuedUser;
let borisSdk: Messenger;
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
  borisSdk = await sdkLogIn(server, trio.boris, { trustServerCertificates: true });
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

/** Another user of the server, its phone confirmed through the SDK; `n` tells its SNILS and phone apart. */
async function registered(name: string, n: string): Promise<IssuedUser> {
  const user = server.issue({ name, snils: `100000011${n}`, alg: "ecdsa-p256", phone: `799900011${n}` });
  await sdkLogIn(server, user);
  return user;
}

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

  await expect(previewOf(page, "Карлов")).toHaveText("Не удалось загрузить");
  await expect(previewOf(page, "Борисов")).toContainText("Борис: раньше");
  await expect(
    page.getByRole("status").filter({ hasText: "На сервере произошла непредвиденная ошибка" }),
  ).toBeVisible();
  await carlSdk.sendText(withCarl, "Карл: снова");
  await expect(previewOf(page, "Карлов")).toContainText("Карл: снова");
  expect(olgaSide.problems).toEqual([]);
});

// From the outside review of the list's loading (review-list): both failed before its fix.
test("a chat the member is removed from while its latest page is in flight leaves the list with its sentence; the page shows no failure and the list goes on loading", async ({
  browser,
}) => {
  const side = await newWatchedPage(browser);
  const page = side.page;
  const zoya = await registered("Зоина Зоя Зиновьевна", "04");
  const group = (await borisSdk.createGroup("Уходящая", [`+${zoya.phone}`])).chatId as string;
  await borisSdk.sendText(group, "Борис: в группе");
  const carlWithZoya = (await carlSdk.chatWith(`+${zoya.phone}`)).chatId as string;
  await carlSdk.sendText(carlWithZoya, "Карл: лично");

  // The group's latest page is held until Zoya is removed from it: the server then refuses it (GetChatsError).
  let groupPage: Route | undefined;
  await page.route("**/api/messages/", (route) => {
    const { chat, rel } = route.request().postDataJSON() as { chat: string; rel?: string };
    if (chat === group && !rel) groupPage = route;
    else return route.continue();
  });
  await logInAgain(page, server, zoya);
  await expect.poll(() => groupPage !== undefined).toBe(true);
  await borisSdk.membership.remove(group, `+${zoya.phone}`);
  await expect(page.getByRole("status")).toContainText("Вас удалили из чата «Уходящая»");
  const refused = page.waitForResponse((response) => response.request() === groupPage?.request());
  await groupPage?.continue();
  await refused;

  // The barrier: a message Carl sends after the refusal reached the page arrives live.
  await expect(previewOf(page, "Карлов")).toContainText("Карл: лично");
  await carlSdk.sendText(carlWithZoya, "Карл: барьер");
  await expect(previewOf(page, "Карлов")).toContainText("Карл: барьер");
  await expect(page.getByRole("option")).toHaveText([/Карлов/]);
  await expect(alertOf(page)).toHaveCount(0);
  await expect(page.getByRole("status").filter({ hasText: "Такого чата нет" })).toHaveCount(0);
  expect(side.problems).toEqual([]);
});

test("a chat whose latest page is still in flight when a new chat reloads the list is read once: its unread count is its page's", async ({
  browser,
}) => {
  const side = await newWatchedPage(browser);
  const page = side.page;
  const yana = await registered("Янина Яна Яковлевна", "05");
  const borisWithYana = (await borisSdk.chatWith(`+${yana.phone}`)).chatId as string;
  await borisSdk.sendText(borisWithYana, "Борис: первое");
  await borisSdk.sendText(borisWithYana, "Борис: второе");

  // Boris's first latest page is held; every later request passes.
  let borisPage: Route | undefined;
  await page.route("**/api/messages/", async (route) => {
    const { chat, rel } = route.request().postDataJSON() as { chat: string; rel?: string };
    if (!rel && chat === borisWithYana && !borisPage) borisPage = route;
    else await route.continue();
  });
  await logInAgain(page, server, yana);
  await expect.poll(() => borisPage !== undefined).toBe(true);

  // A new chat reloads the list while Boris's page is still held.
  await borisSdk.createGroup("Новая", [`+${yana.phone}`]);
  await expect(page.getByRole("option", { name: /Новая/ })).toBeVisible();
  await borisPage?.continue();

  await expect(previewOf(page, "Борисов")).toContainText("Борис: второе");
  // The barrier: a live message to Boris's chat after both reloads counts once on top of the page's two.
  await borisSdk.sendText(borisWithYana, "Борис: третье");
  await expect(previewOf(page, "Борисов")).toContainText("Борис: третье");
  await expect(page.getByRole("option", { name: /Борисов/ }).locator(".unread")).toHaveText("3");
  expect(side.problems).toEqual([]);
});
