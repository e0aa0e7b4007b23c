/**
 * Two browser users in one conversation, then the server restarts under them: both pages show the offline
 * banner, a message typed meanwhile is refused with a sentence and kept in the composer, and once the server is
 * back it is sent and arrives; nothing said before or after is lost. Then a CLI user (the same person as one of
 * the browser users, on the command line) joins the conversation both ways, and a message whose ciphertext was
 * swapped after signing shows as invalid. Then a signature's details, and a group created in the page.
 */
import { join } from "node:path";
import { expect, type Page, test } from "@playwright/test";
import { Messenger } from "../../src/client/messenger.ts";
import { loadSigner } from "../../src/client/signing.ts";
import { signatureVerifier } from "../../src/client/verification.ts";
import { closeWatchedPages, newWatchedPage } from "./support/browser.ts";
import { CertchatServe, type IssuedUser } from "./support/certchat-serve.ts";
import { alertOf, logIn, messageWith, openChatWith, send } from "./support/pages.ts";

test.describe.configure({ mode: "serial" });

let server: CertchatServe;
let anna: IssuedUser;
let boris: IssuedUser;
let annaPage: Page;
let borisPage: Page;

test.beforeAll(async ({ browser }) => {
  server = new CertchatServe();
  await server.start();
  anna = server.issue({
    name: "Смирнова Анна Сергеевна",
    snils: "12345678964",
    alg: "gost2012-256",
    phone: "79991112233",
  });
  boris = server.issue({
    name: "Борисов Борис Борисович",
    snils: "11223344696",
    alg: "ecdsa-p256",
    phone: "79997654300",
  });
  annaPage = (await newWatchedPage(browser)).page;
  borisPage = (await newWatchedPage(browser)).page;
  await logIn(annaPage, server, anna, { kind: "pem" });
  await logIn(borisPage, server, boris, { kind: "pem" });
  await openChatWith(annaPage, `+${boris.phone}`, boris.name);
  await openChatWith(borisPage, `+${anna.phone}`, anna.name);
});

test.afterAll(async () => {
  await closeWatchedPages();
  await server?.close();
});

const verified = (page: Page, text: string) => messageWith(page, text).locator("[data-signature=verified]");

test("survives a server restart mid-conversation without losing a message", async () => {
  await send(annaPage, "До перезапуска");
  await expect(verified(borisPage, "До перезапуска")).toBeVisible();

  await server.stop();
  await expect(annaPage.getByRole("status").filter({ hasText: "Нет связи с сервером" })).toBeVisible();
  await expect(borisPage.getByRole("status").filter({ hasText: "Нет связи с сервером" })).toBeVisible();
  const composer = annaPage.getByRole("textbox", { name: "Сообщение" });
  await composer.fill("Во время перезапуска");
  await composer.press("Enter");
  await expect(alertOf(annaPage)).toHaveText("Сервер недоступен. Проверьте подключение.");
  await expect(composer).toHaveValue("Во время перезапуска");

  await server.start();
  await expect(annaPage.locator(".banner")).toHaveCount(0);
  await expect(borisPage.locator(".banner")).toHaveCount(0);
  await composer.press("Enter");
  await expect(composer).toHaveValue("");
  await expect(verified(borisPage, "Во время перезапуска")).toBeVisible();
  await send(borisPage, "После перезапуска");
  await expect(verified(annaPage, "После перезапуска")).toBeVisible();
  for (const text of ["До перезапуска", "Во время перезапуска", "После перезапуска"]) {
    await expect(messageWith(annaPage, text)).toHaveCount(1);
    await expect(messageWith(borisPage, text)).toHaveCount(1);
  }
});

test("a browser user and a CLI user chat both ways, signatures verified on each side", async () => {
  const home = join(anna.dir, "cli-home");
  server.cli([
    "login",
    "--home",
    home,
    "--server",
    server.url,
    "--cert",
    anna.certPath,
    "--key",
    anna.keyPath,
  ]);
  const chat = JSON.parse(
    server.cli(["chat", "create", "--home", home, "--with", `+${boris.phone}`, "--json"]),
  ) as {
    chatId: string;
  };
  server.cli(["send", "--home", home, chat.chatId, "Пишу из командной строки"]);
  await expect(verified(borisPage, "Пишу из командной строки")).toBeVisible();

  await send(borisPage, "Вижу, отвечаю из браузера");
  await expect(verified(annaPage, "Вижу, отвечаю из браузера")).toBeVisible();
  const history = server.cli(["history", "--home", home, chat.chatId]);
  expect(history).toMatch(/Борисов Борис Борисович ✓: Вижу, отвечаю из браузера/);
});

test("a message whose ciphertext was swapped after signing shows as invalid", async () => {
  const signer = await loadSigner(server.readFile(anna.certPath), server.readFile(anna.keyPath));
  const messenger = await Messenger.login({ server: server.url, signer, verifier: signatureVerifier() });
  const chat = await messenger.chatWith(`+${boris.phone}`);
  const chatId = chat.chatId as string;
  const signed = await messenger.prepareText(chatId, "Счёт на 1 000 ₽");
  const swapped = await messenger.prepareText(chatId, "Счёт на 9 000 ₽");
  await messenger.api.sendMessage({ ...signed, text: swapped.text });

  const shown = messageWith(borisPage, "Счёт на 9 000 ₽");
  await expect(shown.locator("[data-signature=invalid]")).toBeVisible();
  await expect(shown.locator("[data-signature=invalid]")).toContainText("Подпись неверна");
});

test("a signature's details show the signer's name, SNILS and certificate validity", async () => {
  await borisPage.locator(".chat-item", { hasText: anna.name }).click();
  const message = messageWith(borisPage, "До перезапуска");
  await message.getByRole("button", { name: "Подпись сообщения" }).click();
  const details = message.getByRole("dialog", { name: "Подпись сообщения" });
  await expect(details).toContainText("Подпись проверена");
  await expect(details).toContainText(anna.name);
  await expect(details).toContainText("СНИЛС12345678964");
  await expect(details).toContainText("Сертификат действует");
  await borisPage.screenshot({
    path: new URL("../../docs/screenshots/signature-details.png", import.meta.url).pathname,
  });
});

test("creates a group that its members see, with messages verified", async () => {
  await annaPage.getByRole("button", { name: "+ Новая группа или канал" }).click();
  const form = annaPage.getByRole("form", { name: "Новая группа или канал" });
  await form.locator("input[name=group-name]").fill("Отдел продаж");
  await form.locator("textarea[name=group-members]").fill(`+${boris.phone}`);
  await form.getByRole("button", { name: "Создать" }).click();
  await expect(annaPage.locator(".chat-header h2")).toHaveText("Группа: Отдел продаж");
  await send(annaPage, "Всем привет в группе");

  // The new chat reaches Boris's list live (the chatAdded event): no reload.
  await borisPage.locator(".chat-item", { hasText: "Группа: Отдел продаж" }).click();
  await expect(verified(borisPage, "Всем привет в группе")).toBeVisible();
  await send(borisPage, "Привет от Бориса");
  await expect(verified(annaPage, "Привет от Бориса")).toBeVisible();
});

test("the profile shows the person's identifiers, balance and certificates; Escape closes it", async () => {
  await annaPage.locator(".topbar .who").click();
  const profile = annaPage.getByRole("complementary", { name: "Профиль" });
  await expect(profile).toContainText("СНИЛС12345678964");
  await expect(profile).toContainText("Баланс0.00 ₽");
  await expect(profile.locator(".certificates li")).toHaveText([/этот сеанс: gost2012-256 · действует до/]);
  await annaPage.screenshot({
    path: new URL("../../docs/screenshots/profile.png", import.meta.url).pathname,
  });
  await annaPage.keyboard.press("Escape");
  await expect(profile).toHaveCount(0);
});

test("Escape in the open chat leaves it for the list", async () => {
  await annaPage.getByRole("textbox", { name: "Сообщение" }).press("Escape");
  await expect(annaPage.getByText("Выберите чат слева или найдите собеседника по телефону.")).toBeVisible();
  await expect(annaPage.locator(".chat-header")).toHaveCount(0);
});
