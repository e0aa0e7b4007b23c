/**
 * «Выйти» ends the session on the server (/api/logout/), not only in the page: the token the page held is
 * refused afterwards, so a copy of it (a leaked log, a shared machine's memory) is worth nothing.
 */
import { expect, test } from "@playwright/test";
import { closeWatchedPages, newWatchedPage } from "./support/browser.ts";
import { CertchatServe, type IssuedUser } from "./support/certchat-serve.ts";
import { logIn } from "./support/pages.ts";

let server: CertchatServe;
let lev: IssuedUser;

test.beforeAll(async () => {
  server = new CertchatServe();
  await server.start();
  lev = server.issue({
    name: "Львов Лев Львович",
    snils: "10000000901",
    alg: "ecdsa-p256",
    phone: "79990000901",
  });
});

test.afterAll(async () => {
  await closeWatchedPages();
  await server?.close();
});

test("«Выйти» ends the session on the server: the page's token is refused afterwards", async ({
  browser,
}) => {
  const { page } = await newWatchedPage(browser);
  let token: string | undefined;
  page.on("request", (request) => {
    const bearer = request.headers().authorization?.replace(/^Bearer /, "");
    if (bearer && request.url().includes("/api/profile/")) token = bearer;
  });
  await logIn(page, server, lev, { kind: "pem" });
  await expect(page.getByText("Чатов пока нет")).toBeVisible();
  expect(token, "the page asked for its profile with its token").toBeTruthy();

  const loggedOut = page.waitForResponse((response) => response.url().endsWith("/api/logout/"));
  await page.getByRole("button", { name: "Выйти" }).click();
  expect(await (await loggedOut).json()).toEqual({ success: true, data: {} });

  const profile = await fetch(`${server.url}/api/profile/`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token }),
  });
  expect(await profile.json()).toEqual({ success: false, error: "NeedAuthentication" });
});
