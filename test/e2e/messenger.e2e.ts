/**
 * Two people in two browser contexts — a GOST user with a TC26 PFX, an ECDSA user with PEM certificate and key
 * files — log in with SMS codes, find each other by phone and chat both ways live, every message's signature
 * shown as verified. The screenshots in docs/screenshots/ are taken along the way.
 */
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { closeWatchedPages, newWatchedPage } from "./support/browser.ts";
import { CertchatServe, type IssuedUser } from "./support/certchat-serve.ts";
import { exportGostPfx, gostEngineMissing } from "./support/key-files.ts";
import { logIn, messageWith, openChatWith, send } from "./support/pages.ts";

const SCREENSHOTS = new URL("../../docs/screenshots/", import.meta.url).pathname;
const PFX_PASSWORD = "пароль контейнера";

let server: CertchatServe;
let ivan: IssuedUser;
let petr: IssuedUser;

test.beforeAll(async () => {
  server = new CertchatServe();
  await server.start();
  ivan = server.issue({
    name: "Иванов Иван Иванович",
    snils: "11223344595",
    alg: "gost2012-256",
    phone: "79991234567",
  });
  petr = server.issue({
    name: "Петров Пётр Петрович",
    snils: "08765430300",
    alg: "ecdsa-p256",
    phone: "79997654321",
  });
});

test.afterAll(async () => {
  await closeWatchedPages();
  await server?.close();
});

test("a GOST PFX user and an ECDSA PEM user log in with SMS codes and chat both ways live, signatures verified", async ({
  browser,
}) => {
  // CI installs the engine (.ci/run); without it OpenSSL cannot write the GOST PFX.
  test.skip(!!gostEngineMissing && !process.env.CI, String(gostEngineMissing));
  const ivanPfx = exportGostPfx(ivan, PFX_PASSWORD);
  const ivanSide = await newWatchedPage(browser);
  const ivanPage = ivanSide.page;
  await ivanPage.goto(server.url);
  await expect(ivanPage.getByRole("heading", { name: "Вход по сертификату" })).toBeVisible();
  await ivanPage.screenshot({ path: join(SCREENSHOTS, "login.png") });
  await logIn(ivanPage, server, ivan, { kind: "pfx", path: ivanPfx, password: PFX_PASSWORD });

  const petrSide = await newWatchedPage(browser, 360, 740);
  const petrPage = petrSide.page;
  await logIn(petrPage, server, petr, { kind: "pem" });

  // Ivan (GOST) starts the chat: a chat with a GOST member gets a GOST key, wrapped by its GOST creator.
  await openChatWith(ivanPage, `+${petr.phone}`, petr.name);
  await send(ivanPage, "Добрый день, Пётр! Договор готов.");
  await expect(messageWith(ivanPage, "Договор готов").locator("[data-signature=verified]")).toBeVisible();

  await openChatWith(petrPage, `+${ivan.phone}`, ivan.name);
  const first = messageWith(petrPage, "Договор готов");
  await expect(first.locator("[data-signature=verified]")).toBeVisible();
  await expect(first.locator(".author")).toHaveText(ivan.name);

  // Both ways, live: neither page reloads.
  await send(petrPage, "Спасибо, Иван! Подпишу сегодня.");
  await expect(messageWith(ivanPage, "Подпишу сегодня").locator("[data-signature=verified]")).toBeVisible();
  await send(ivanPage, "Жду. Файл пришлю следом.");
  await expect(
    messageWith(petrPage, "Файл пришлю следом").locator("[data-signature=verified]"),
  ).toBeVisible();

  // The chat list: the last message decrypted in the page as the preview.
  await expect(ivanPage.locator(".chat-item", { hasText: petr.name }).locator(".preview")).toContainText(
    "Файл пришлю следом",
  );
  await ivanPage.screenshot({ path: join(SCREENSHOTS, "chat-desktop.png") });
  await petrPage.screenshot({ path: join(SCREENSHOTS, "chat-mobile.png") });
  await petrPage.getByRole("button", { name: "Назад к чатам" }).click();
  await expect(petrPage.locator(".chat-item", { hasText: ivan.name })).toBeVisible();
  await petrPage.screenshot({ path: join(SCREENSHOTS, "chats-mobile.png") });

  // A 3 MB file: encrypted and CMS-signed in Ivan's page, downloaded, decrypted and checked in Petr's.
  const report = join(ivan.dir, "отчёт.bin");
  const content = randomBytes(3 * 1024 * 1024);
  writeFileSync(report, content);
  // The progress bar may come and go faster than a poll: an observer in the page records that it appeared.
  await ivanPage.evaluate(() => {
    const observer = new MutationObserver(() => {
      if (document.querySelector(".transfers progress")) {
        document.body.dataset.sawProgress = "yes";
        observer.disconnect();
      }
    });
    observer.observe(document.body, { childList: true, subtree: true });
  });
  await ivanPage.locator("input[name=attach]").setInputFiles(report);
  await expect(messageWith(ivanPage, "отчёт.bin").locator("[data-signature=verified]")).toBeVisible();
  await expect(ivanPage.locator(".transfers")).toHaveCount(0);
  await expect(ivanPage.locator("body")).toHaveAttribute("data-saw-progress", "yes");
  await petrPage.locator(".chat-item", { hasText: ivan.name }).click();
  const fileMessage = messageWith(petrPage, "отчёт.bin");
  await expect(fileMessage.locator("[data-signature=verified]")).toBeVisible();
  const downloading = petrPage.waitForEvent("download");
  await fileMessage.getByRole("button", { name: "Скачать" }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe("отчёт.bin");
  expect(readFileSync(await download.path()).equals(content)).toBe(true);
  await expect(fileMessage.getByRole("status")).toContainText("Подпись файла проверена, файл сохранён.");

  // Nothing went wrong in either page, the CSP refused nothing.
  expect(ivanSide.problems).toEqual([]);
  expect(petrSide.problems).toEqual([]);
});
