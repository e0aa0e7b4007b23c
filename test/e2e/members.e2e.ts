/**
 * Membership in the page (issue 13's API through the SDK's Membership): the owner of a group adds another
 * browser user with all the history — the chat appears in their list live and the earlier messages read
 * verified — then removes them: the chat leaves their list with a sentence and nothing said after reaches them.
 */
import { expect, type Page, test } from "@playwright/test";
import { Messenger } from "../../src/client/messenger.ts";
import { loadSigner } from "../../src/client/signing.ts";
import { signatureVerifier } from "../../src/client/verification.ts";
import { closeWatchedPages, newWatchedPage } from "./support/browser.ts";
import { CertchatServe, type IssuedUser, issueTrio } from "./support/certchat-serve.ts";
import { logIn, messageWith, openChatWith, send } from "./support/pages.ts";
import { sdkLogIn } from "./support/sdk-user.ts";

const SCREENSHOTS = new URL("../../docs/screenshots/", import.meta.url).pathname;
const GROUP = "Группа: Совет директоров";

let server: CertchatServe;
let olga: IssuedUser;
let boris: IssuedUser;
let carl: IssuedUser;

test.beforeAll(async () => {
  server = new CertchatServe();
  await server.start();
  ({ olga, boris, carl } = issueTrio(server, "05"));
});

test.afterAll(async () => {
  await closeWatchedPages();
  await server?.close();
});

const verified = (page: Page, text: string) => messageWith(page, text).locator("[data-signature=verified]");

test("an owner adds a browser user with all history, who sees the chat live; removed, it leaves their list and nothing more arrives", async ({
  browser,
}) => {
  // Carl, a member from the start, is a Node SDK user.
  const carlSigner = await loadSigner(server.readFile(carl.certPath), server.readFile(carl.keyPath));
  await Messenger.login({
    server: server.url,
    signer: carlSigner,
    verifier: signatureVerifier(),
    phone: `+${carl.phone}`,
    askCode: async (phone) => server.lastCodeFor(phone.replace(/\D/g, "")) ?? "",
  });
  const olgaSide = await newWatchedPage(browser);
  const borisSide = await newWatchedPage(browser);
  const olgaPage = olgaSide.page;
  const borisPage = borisSide.page;
  await logIn(olgaPage, server, olga, { kind: "pem" });
  await logIn(borisPage, server, boris, { kind: "pem" });

  await olgaPage.getByRole("button", { name: "+ Новая группа или канал" }).click();
  const form = olgaPage.getByRole("form", { name: "Новая группа или канал" });
  await form.locator("input[name=group-name]").fill("Совет директоров");
  await form.locator("textarea[name=group-members]").fill(`+${carl.phone}`);
  await form.getByRole("button", { name: "Создать" }).click();
  await expect(olgaPage.locator(".chat-header h2")).toHaveText(GROUP);
  await send(olgaPage, "Раньше: повестка");
  await send(olgaPage, "Раньше: бюджет");

  await olgaPage.getByRole("button", { name: "Участники" }).click();
  const panel = olgaPage.getByRole("complementary", { name: "Участники" });
  await expect(panel.locator(".member")).toHaveCount(2);
  // The owner cannot just leave: the panel says to hand ownership over first.
  await expect(panel).toContainText("сначала передайте владение другому участнику");
  const adding = panel.getByRole("form", { name: "Добавить участников" });
  await adding.locator("input[name=add-phones]").fill(`+${boris.phone}`);
  await adding.getByLabel("Показать всю историю чата").check();
  await adding.getByRole("button", { name: "Добавить" }).click();
  const borisRow = panel.locator(".member", { hasText: boris.name });
  await expect(borisRow.locator(".role")).toHaveText("участник");
  await expect(borisRow.locator("[data-has-key=true]")).toHaveCount(1);

  const carlRow = panel.locator(".member", { hasText: carl.name });
  await carlRow.getByRole("button", { name: "Сделать администратором" }).click();
  await expect(carlRow.locator(".role")).toHaveText("администратор");
  await expect(carlRow.locator(".phone")).toHaveText("+7 999 000-05-03");
  await olgaPage.screenshot({ path: `${SCREENSHOTS}members.png` });

  // Boris's page was not reloaded: the chat arrives with the chatAdded event.
  const borisGroup = borisPage.locator(".chat-item", { hasText: GROUP });
  await borisGroup.click();
  await expect(verified(borisPage, "Раньше: повестка")).toBeVisible();
  await expect(verified(borisPage, "Раньше: бюджет")).toBeVisible();
  await send(olgaPage, "Пока Борис в группе");
  await expect(verified(borisPage, "Пока Борис в группе")).toBeVisible();

  await borisRow.getByRole("button", { name: "Удалить" }).click();
  await olgaPage.getByRole("dialog").getByRole("button", { name: "Удалить" }).click();
  await expect(panel.locator(".member", { hasText: boris.name })).toHaveCount(0);
  await expect(borisGroup).toHaveCount(0);
  await expect(borisPage.getByRole("status")).toContainText("Вас удалили из чата «Совет директоров»");
  await expect(borisPage.locator(".chat-header")).toHaveCount(0);

  await send(olgaPage, "После удаления Бориса");
  // The barrier: a personal chat Olga starts after that message reaches Boris live, with her next message.
  await openChatWith(olgaPage, `+${boris.phone}`, boris.name);
  await send(olgaPage, "Барьер: лично Борису");
  await borisPage.locator(".chat-item", { hasText: olga.name }).click();
  await expect(verified(borisPage, "Барьер: лично Борису")).toBeVisible();
  await expect(borisPage.getByText("После удаления Бориса")).toHaveCount(0);
  await expect(borisGroup).toHaveCount(0);
  expect(olgaSide.problems).toEqual([]);
  expect(borisSide.problems).toEqual([]);
});

test("removing a member, handing ownership over and leaving each ask first, Cancel focused, naming the person and the chat", async ({
  browser,
}) => {
  const dora = server.issue({
    name: "Дорина Дора Дмитриевна",
    snils: "10000000504",
    alg: "ecdsa-p256",
    phone: "79990000504",
  });
  const eva = server.issue({
    name: "Евина Ева Евгеньевна",
    snils: "10000000505",
    alg: "ecdsa-p256",
    phone: "79990000505",
  });
  const fedor = server.issue({
    name: "Фёдоров Фёдор Фёдорович",
    snils: "10000000506",
    alg: "ecdsa-p256",
    phone: "79990000506",
  });
  await Promise.all([sdkLogIn(server, eva), sdkLogIn(server, fedor)]);
  const side = await newWatchedPage(browser);
  const page = side.page;
  await logIn(page, server, dora, { kind: "pem" });
  await page.getByRole("button", { name: "+ Новая группа или канал" }).click();
  const form = page.getByRole("form", { name: "Новая группа или канал" });
  await form.locator("input[name=group-name]").fill("Плановый отдел");
  await form.locator("textarea[name=group-members]").fill(`+${eva.phone}, +${fedor.phone}`);
  await form.getByRole("button", { name: "Создать" }).click();
  await expect(page.locator(".chat-header h2")).toHaveText("Группа: Плановый отдел");
  await page.getByRole("button", { name: "Участники" }).click();
  const panel = page.getByRole("complementary", { name: "Участники" });
  await expect(panel.locator(".member")).toHaveCount(3);
  const dialog = page.getByRole("dialog");

  // Escape answers the dialog with Cancel and leaves the chat open.
  const evaRow = panel.locator(".member", { hasText: eva.name });
  await evaRow.getByRole("button", { name: "Удалить" }).click();
  await expect(dialog).toContainText(`Удалить участника ${eva.name} из чата «Плановый отдел»?`);
  await expect(dialog.getByRole("button", { name: "Отмена" })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(dialog).toHaveCount(0);
  await expect(page.locator(".chat-header h2")).toHaveText("Группа: Плановый отдел");
  await expect(evaRow).toHaveCount(1);
  await evaRow.getByRole("button", { name: "Удалить" }).click();
  await dialog.getByRole("button", { name: "Удалить" }).click();
  await expect(evaRow).toHaveCount(0);

  const fedorRow = panel.locator(".member", { hasText: fedor.name });
  await fedorRow.getByRole("button", { name: "Передать владение" }).click();
  await expect(dialog).toContainText(`Передать владение чатом «Плановый отдел» участнику ${fedor.name}?`);
  await expect(dialog.getByRole("button", { name: "Отмена" })).toBeFocused();
  await dialog.getByRole("button", { name: "Передать владение" }).click();
  await expect(fedorRow.locator(".role")).toHaveText("владелец");

  await panel.getByRole("button", { name: "Покинуть чат" }).click();
  await expect(dialog).toContainText("Покинуть чат «Плановый отдел»?");
  await dialog.getByRole("button", { name: "Отмена" }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page.locator(".chat-item", { hasText: "Плановый отдел" })).toHaveCount(1);
  await panel.getByRole("button", { name: "Покинуть чат" }).click();
  await dialog.getByRole("button", { name: "Покинуть" }).click();
  await expect(page.getByRole("status")).toContainText("Вы покинули чат «Плановый отдел»");
  await expect(page.locator(".chat-item", { hasText: "Плановый отдел" })).toHaveCount(0);
  expect(side.problems).toEqual([]);
});

test("the members panel shows its add form in full at 1280 px without scrolling, and lets it be scrolled to at 360 px", async ({
  browser,
}) => {
  const ivan = server.issue({
    name: "Иванов Иван Иванович",
    snils: "10000000507",
    alg: "ecdsa-p256",
    phone: "79990000507",
  });
  const lida = server.issue({
    name: "Лидина Лидия Львовна",
    snils: "10000000508",
    alg: "ecdsa-p256",
    phone: "79990000508",
  });
  const mark = server.issue({
    name: "Марков Марк Маркович",
    snils: "10000000509",
    alg: "ecdsa-p256",
    phone: "79990000509",
  });
  await Promise.all([sdkLogIn(server, lida), sdkLogIn(server, mark)]);
  const side = await newWatchedPage(browser, 1280, 800);
  const page = side.page;
  await logIn(page, server, ivan, { kind: "pem" });
  await page.getByRole("button", { name: "+ Новая группа или канал" }).click();
  const form = page.getByRole("form", { name: "Новая группа или канал" });
  await form.locator("input[name=group-name]").fill("Склад");
  await form.locator("textarea[name=group-members]").fill(`+${lida.phone}, +${mark.phone}`);
  await form.getByRole("button", { name: "Создать" }).click();
  await page.getByRole("button", { name: "Участники" }).click();
  const panel = page.getByRole("complementary", { name: "Участники" });
  await expect(panel.locator(".member")).toHaveCount(3);
  const add = panel
    .getByRole("form", { name: "Добавить участников" })
    .getByRole("button", { name: "Добавить" });
  await expect(add).toBeInViewport({ ratio: 1 });

  await page.setViewportSize({ width: 360, height: 640 });
  await add.scrollIntoViewIfNeeded();
  await expect(add).toBeInViewport({ ratio: 1 });
  const box = await panel.boundingBox();
  expect(box && box.x >= 0 && box.x + box.width <= 360).toBe(true);
  expect(side.problems).toEqual([]);
});

test("a member removed while their page was offline sees the chat leave the list once back online, with a sentence and no failure notice", async ({
  browser,
}) => {
  const zoya = server.issue({
    name: "Зоина Зоя Зиновьевна",
    snils: "10000000510",
    alg: "ecdsa-p256",
    phone: "79990000510",
  });
  const owner = await sdkLogIn(server, olga, { trustServerCertificates: true });
  const side = await newWatchedPage(browser);
  const page = side.page;
  await logIn(page, server, zoya, { kind: "pem" });
  const group = await owner.createGroup("Ревизионная комиссия", [`+${zoya.phone}`]);
  const chatId = group.chatId as string;
  await owner.sendText(chatId, "Повестка ревизии");
  const item = page.locator(".chat-item", { hasText: "Ревизионная комиссия" });
  await item.click();
  await expect(verified(page, "Повестка ревизии")).toBeVisible();

  const offline = page.getByRole("status").filter({ hasText: "Нет связи с сервером" });
  await page.context().setOffline(true);
  await expect(offline).toBeVisible();
  await owner.membership.remove(chatId, `+${zoya.phone}`);
  await page.context().setOffline(false);

  await expect(offline).toHaveCount(0);
  await expect(page.getByRole("status")).toContainText("Чат «Ревизионная комиссия» больше недоступен");
  await expect(item).toHaveCount(0);
  await expect(page.locator(".chat-header")).toHaveCount(0);
  // The barrier: a personal chat Olga starts after the removal reaches the page live, with her message.
  const personal = await owner.chatWith(`+${zoya.phone}`);
  await owner.sendText(personal.chatId as string, "Барьер: лично Зое");
  await page.locator(".chat-item", { hasText: olga.name }).click();
  await expect(verified(page, "Барьер: лично Зое")).toBeVisible();
  await expect(page.getByText("Не удалось загрузить пропущенные сообщения")).toHaveCount(0);
  expect(side.problems).toEqual([]);
});
