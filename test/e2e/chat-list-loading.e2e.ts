/**
 * How the chat list loads: every chat is listed at once, in the order of its last message (the list's
 * `lastMessageId`), and each preview fills in when that chat's latest page has been read and checked. The
 * history requests are held by the test (Playwright's routing) and let go one by one, so each step is seen
 * between two releases, not raced.
 */
import { expect, type Page, type Route, test } from "@playwright/test";
import { closeWatchedPages, newWatchedPage } from "./support/browser.ts";
import { CertchatServe, type IssuedUser, issueTrio } from "./support/certchat-serve.ts";
import { logIn, logInAgain } from "./support/pages.ts";
import { sdkLogIn } from "./support/sdk-user.ts";

let server: CertchatServe;
let olga: IssuedUser;
let boris: IssuedUser;
let carl: IssuedUser;

test.beforeAll(async () => {
  server = new CertchatServe();
  await server.start();
  ({ olga, boris, carl } = issueTrio(server, "11"));
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
  await logIn(page, server, olga, { kind: "pem" });
  const [borisSdk, carlSdk] = await Promise.all([sdkLogIn(server, boris), sdkLogIn(server, carl)]);
  const withBoris = (await borisSdk.chatWith(`+${olga.phone}`)).chatId as string;
  await borisSdk.sendText(withBoris, "Борис: раньше");
  const withCarl = (await carlSdk.chatWith(`+${olga.phone}`)).chatId as string;
  await carlSdk.sendText(withCarl, "Карл: позже");
  await borisSdk.createGroup("Тихая", [`+${olga.phone}`]);

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
