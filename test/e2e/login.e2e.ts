/**
 * Logging in from the page with each kind of key file, and the sentences a person sees when it goes wrong:
 * a wrong container password, a wrong SMS code, an expired certificate. Remembering the key on the device:
 * after a reload the key opens with the passphrase alone, and not with a wrong one.
 */
import { createHash, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { closeWatchedPages, newWatchedPage } from "./support/browser.ts";
import { CertchatServe } from "./support/certchat-serve.ts";
import { encryptKey, exportPfx } from "./support/key-files.ts";
import {
  alertOf,
  confirmPhone,
  expectLoggedIn,
  logIn,
  openChatWith,
  send,
  submitKey,
} from "./support/pages.ts";

let server: CertchatServe;
let sequence = 0;

test.beforeAll(async () => {
  server = new CertchatServe();
  await server.start();
});

test.afterAll(async () => {
  await closeWatchedPages();
  await server?.close();
});

/** A fresh ECDSA user of the test CA with its own SNILS and phone. */
function newUser(extra: string[] = []) {
  sequence += 1;
  const serial = String(sequence).padStart(2, "0");
  return server.issue({
    name: `Пользователь ${serial}`,
    snils: `100000001${serial}`,
    alg: "ecdsa-p256",
    phone: `799900000${serial}`,
    extra,
  });
}

test("logs in with a standard PFX (PKCS#12, ECDSA)", async ({ browser }) => {
  const user = newUser();
  const { page, problems } = await newWatchedPage(browser);
  await logIn(page, server, user, {
    kind: "pfx",
    path: exportPfx(user, "pfx-пароль"),
    password: "pfx-пароль",
  });
  expect(problems).toEqual([]);
});

test("logs in with an encrypted PKCS#8 key and its password", async ({ browser }) => {
  const user = newUser();
  const { page } = await newWatchedPage(browser);
  await logIn(page, server, user, {
    kind: "pem",
    keyPath: encryptKey(user, "ключ-пароль"),
    password: "ключ-пароль",
  });
});

test("says the PFX password is wrong and stays on the login form", async ({ browser }) => {
  const user = newUser();
  const { page } = await newWatchedPage(browser);
  await submitKey(page, server, user, { kind: "pfx", path: exportPfx(user, "верный"), password: "неверный" });
  await expect(alertOf(page)).toHaveText("Неверный пароль.");
  await expect(page.getByRole("heading", { name: "Вход по сертификату" })).toBeVisible();
});

test("says an encrypted key needs its password", async ({ browser }) => {
  const user = newUser();
  const { page } = await newWatchedPage(browser);
  await submitKey(page, server, user, { kind: "pem", keyPath: encryptKey(user, "ключ-пароль") });
  await expect(alertOf(page)).toHaveText("Ключ зашифрован: введите его пароль.");
});

test("says the SMS code is wrong and lets the person type it again", async ({ browser }) => {
  const user = newUser();
  const { page } = await newWatchedPage(browser);
  await submitKey(page, server, user, { kind: "pem" });
  await confirmPhone(page, server, user, "000000");
  await expect(alertOf(page)).toHaveText("Код из SMS неверен или устарел.");
  await page.locator("input[name=code]").fill(server.lastCodeFor(user.phone) ?? "");
  await page.getByRole("button", { name: "Подтвердить" }).click();
  await expectLoggedIn(page, user);
});

test("says the certificate has expired", async ({ browser }) => {
  const user = newUser(["--not-before", "2020-01-01T00:00:00Z", "--not-after", "2021-01-01T00:00:00Z"]);
  const { page } = await newWatchedPage(browser);
  await submitKey(page, server, user, { kind: "pem" });
  await expect(alertOf(page)).toHaveText(
    "Срок действия сертификата истёк. Войдите с действующим сертификатом.",
  );
});

test("remembers the key encrypted under a passphrase: after a reload the passphrase alone logs in", async ({
  browser,
}) => {
  const user = newUser();
  const { page, problems } = await newWatchedPage(browser);
  await page.goto(server.url);
  await page.locator("input[name=certificate]").setInputFiles(user.certPath);
  await page.locator("input[name=key]").setInputFiles(user.keyPath);
  await page.locator("input[name=remember]").check();
  await page.locator("input[name=passphrase]").fill("длинная фраза-пароль");
  await page.getByRole("button", { name: "Войти" }).click();
  await confirmPhone(page, server, user);
  await expectLoggedIn(page, user);

  await page.reload();
  await expect(page.getByRole("heading", { name: "Сохранённый ключ" })).toBeVisible();
  await expect(page.locator(".holder")).toHaveText(user.name);
  await page.locator("input[name=passphrase]").fill("не та фраза");
  await page.getByRole("button", { name: "Войти с сохранённым ключом" }).click();
  await expect(alertOf(page)).toHaveText("Неверная фраза-пароль.");
  await page.locator("input[name=passphrase]").fill("длинная фраза-пароль");
  await page.getByRole("button", { name: "Войти с сохранённым ключом" }).click();
  await expectLoggedIn(page, user);
  expect(problems).toEqual([]);
});

test("a session revoked on the server sends the page back to the login screen with a sentence", async ({
  browser,
}) => {
  const user = newUser();
  const partner = newUser();
  const { page } = await newWatchedPage(browser);
  await logIn(page, server, partner, { kind: "pem" });
  await logIn(page, server, user, { kind: "pem" });
  await openChatWith(page, `+${partner.phone}`, partner.name);
  await send(page, "Пока сеанс жив");

  const der = new X509Certificate(readFileSync(user.certPath)).raw;
  server.cli(["sessions", "revoke", "--cert", createHash("sha256").update(der).digest("hex")]);
  const composer = page.getByRole("textbox", { name: "Сообщение" });
  await composer.fill("После отзыва");
  await composer.press("Enter");
  await expect(page.getByRole("heading", { name: "Вход по сертификату" })).toBeVisible();
  await expect(alertOf(page)).toHaveText(/Войдите/);
});
