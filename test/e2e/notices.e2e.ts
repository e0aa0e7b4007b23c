/**
 * Failures of work the page does in the background reach the person: a refresh after a chat arrives live fails
 * (the server answers CommonError), and a dismissable notice says so in Russian; the console keeps the details.
 */
import { expect, test } from "@playwright/test";
import { closeWatchedPages, newWatchedPage } from "./support/browser.ts";
import { CertchatServe, type IssuedUser } from "./support/certchat-serve.ts";
import { logIn } from "./support/pages.ts";
import { sdkLogIn } from "./support/sdk-user.ts";

let server: CertchatServe;
let gleb: IssuedUser;
let hanna: IssuedUser;

test.beforeAll(async () => {
  server = new CertchatServe();
  await server.start();
  gleb = server.issue({
    name: "Глебов Глеб Глебович",
    snils: "10000000801",
    alg: "ecdsa-p256",
    phone: "79990000801",
  });
  hanna = server.issue({
    name: "Ганина Анна Андреевна",
    snils: "10000000802",
    alg: "ecdsa-p256",
    phone: "79990000802",
  });
});

test.afterAll(async () => {
  await closeWatchedPages();
  await server?.close();
});

test("a background failure is shown as a Russian sentence the person can dismiss, and still logged to the console", async ({
  browser,
}) => {
  const side = await newWatchedPage(browser);
  const page = side.page;
  const warnings: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "warning") warnings.push(message.text());
  });
  await logIn(page, server, gleb, { kind: "pem" });
  await expect(page.getByText("Чатов пока нет")).toBeVisible();
  // From now on the chat list cannot be read: the refresh after the chatAdded event fails.
  await page.route("**/api/contacts/", (route) =>
    route.fulfill({ json: { success: false, error: "CommonError" } }),
  );
  const hannaSdk = await sdkLogIn(server, hanna);
  await hannaSdk.chatWith(`+${gleb.phone}`);

  const notice = page.getByRole("status").filter({ hasText: "На сервере произошла непредвиденная ошибка" });
  await expect(notice).toBeVisible();
  await expect
    .poll(() => warnings.some((warning) => warning.includes("certchat: background work failed")))
    .toBe(true);
  await notice.getByRole("button", { name: "Скрыть" }).click();
  await expect(notice).toHaveCount(0);
  expect(side.problems).toEqual([]);
});
