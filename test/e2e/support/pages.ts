/** What a person does on the web client's pages, step by step. */
import { expect, type Page } from "@playwright/test";
import type { CertchatServe, IssuedUser } from "./certchat-serve.ts";

export type KeyChoice =
  | { kind: "pem"; keyPath?: string; password?: string }
  | { kind: "pfx"; path: string; password: string };

/** Opens the login page, chooses the key files and presses "Войти". */
export async function submitKey(
  page: Page,
  server: CertchatServe,
  user: IssuedUser,
  key: KeyChoice,
): Promise<void> {
  await page.goto(server.url);
  await expect(page.getByRole("heading", { name: "Вход по сертификату" })).toBeVisible();
  if (key.kind === "pfx") {
    await page.getByRole("tab", { name: "Файл PFX (.pfx, .p12)" }).click();
    await page.locator("input[name=pfx]").setInputFiles(key.path);
    await page.locator("input[name=pfx-password]").fill(key.password);
  } else {
    await page.locator("input[name=certificate]").setInputFiles(user.certPath);
    await page.locator("input[name=key]").setInputFiles(key.keyPath ?? user.keyPath);
    if (key.password) await page.locator("input[name=password]").fill(key.password);
  }
  await page.getByRole("button", { name: "Войти" }).click();
}

/** The phone step: asks for the code, types what the SMS gateway received (or `code`). */
export async function confirmPhone(
  page: Page,
  server: CertchatServe,
  user: IssuedUser,
  code?: string,
): Promise<void> {
  await expect(page.getByRole("heading", { name: "Подтверждение телефона" })).toBeVisible();
  await page.locator("input[name=phone]").fill(`+${user.phone}`);
  await page.getByRole("button", { name: "Получить код" }).click();
  await expect(page.locator("input[name=code]")).toBeVisible();
  await expect.poll(() => server.lastCodeFor(user.phone)).toBeTruthy();
  await page.locator("input[name=code]").fill(code ?? server.lastCodeFor(user.phone) ?? "");
  await page.getByRole("button", { name: "Подтвердить" }).click();
}

export async function expectLoggedIn(page: Page, user: IssuedUser): Promise<void> {
  await expect(page.locator(".topbar .who")).toHaveText(user.name);
}

/** Logs in on a fresh page with the user's key files, confirming the phone with the SMS code the server sent. */
export async function logIn(
  page: Page,
  server: CertchatServe,
  user: IssuedUser,
  key: KeyChoice,
): Promise<void> {
  await submitKey(page, server, user, key);
  await confirmPhone(page, server, user);
  await expectLoggedIn(page, user);
}

/** Logs in again with a certificate whose phone is already confirmed: no SMS step. */
export async function logInAgain(page: Page, server: CertchatServe, user: IssuedUser): Promise<void> {
  await submitKey(page, server, user, { kind: "pem" });
  await expectLoggedIn(page, user);
}

/** Finds the holder of `phone` and opens (or starts) the personal chat with them. */
export async function openChatWith(page: Page, phone: string, name: string): Promise<void> {
  await page.getByRole("textbox", { name: "Найти по телефону" }).fill(phone);
  await page.getByRole("button", { name: "Найти", exact: true }).click();
  const found = page.locator(".found", { hasText: name });
  await found.getByRole("button").click();
  await expect(page.locator(".chat-header h2")).toHaveText(name);
}

export async function send(page: Page, text: string): Promise<void> {
  await page.getByRole("textbox", { name: "Сообщение" }).fill(text);
  await page.getByRole("textbox", { name: "Сообщение" }).press("Enter");
  await expect(page.getByRole("textbox", { name: "Сообщение" })).toHaveValue("");
}

/** The message with this text in the open chat, once it is shown. */
export function messageWith(page: Page, text: string) {
  return page.locator(".messages .message", { hasText: text });
}

/** The sentence of the page's error line. */
export function alertOf(page: Page) {
  return page.getByRole("alert");
}
