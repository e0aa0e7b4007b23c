/**
 * A personal chat's peer panel in the page: the certificate the chat's keys are bound to and the safety code, the
 * same code the other member's SDK session computes; readable on a 360 px wide screen.
 */
import { expect, test } from "@playwright/test";
import { closeWatchedPages, newWatchedPage } from "./support/browser.ts";
import { CertchatServe, type IssuedUser, issueTrio } from "./support/certchat-serve.ts";
import { logIn, openChatWith } from "./support/pages.ts";
import { sdkLogIn } from "./support/sdk-user.ts";

const SCREENSHOTS = new URL("../../docs/screenshots/", import.meta.url).pathname;

let server: CertchatServe;
let olga: IssuedUser;
let boris: IssuedUser;

test.beforeAll(async () => {
  server = new CertchatServe();
  await server.start();
  ({ olga, boris } = issueTrio(server, "09"));
});

test.afterAll(async () => {
  await closeWatchedPages();
  await server?.close();
});

test("a personal chat's peer panel shows the bound certificate's holder and the code its peer computes, at 360 px", async ({
  browser,
}) => {
  const borisSdk = await sdkLogIn(server, boris);
  const { page, problems } = await newWatchedPage(browser, 360, 740);
  await logIn(page, server, olga, { kind: "pem" });
  await openChatWith(page, `+${boris.phone}`, boris.name);
  const chat = (await borisSdk.chatWith(`+${olga.phone}`)).chatId as string;
  const borisSees = await borisSdk.pairPeer(chat);
  if (!borisSees.bound) throw new Error(borisSees.problem);

  await page.getByRole("button", { name: "Собеседник" }).click();
  const panel = page.getByRole("complementary", { name: "С кем связан этот чат" });
  await expect(panel.locator("dd").first()).toHaveText(boris.name);
  await expect(panel.locator("dt", { hasText: "СНИЛС" })).toHaveCount(1);
  await expect(panel.locator(".safety-code")).toHaveAttribute("data-code", borisSees.safetyCode);
  await expect(panel).toContainText("не проверяет сертификаты по доверенным удостоверяющим центрам");
  const code = await panel.locator(".safety-code").boundingBox();
  expect(code && code.x + code.width).toBeLessThanOrEqual(360);
  await page.screenshot({ path: `${SCREENSHOTS}peer-360.png` });
  expect(problems).toEqual([]);
});
