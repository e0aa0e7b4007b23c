/**
 * A P-521 certificate through a real server: it logs in (DESIGN §5 verifies P-521), and since chat keys have an
 * ECDH P-521 wrapping (`ecdh-p521-hkdf-aeskw`, docs/CRYPTO.md) its holder is given the chat key like any other
 * member. Before, `chooseScheme` refused P-521, so no chat could be created with such a member at all.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { chatServerEnv } from "../support/chats.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { type SdkUser, sdkUser } from "./support.ts";

describe("SDK chats with a P-521 certificate", () => {
  let server: TestServer;
  let p256: SdkUser;
  let p521: SdkUser;
  let p384: SdkUser;

  before(async () => {
    server = await startTestServer({ caAlg: "ecdsa-p256", env: chatServerEnv });
    p256 = await sdkUser(server, "ecdsa-p256", "Петров Пётр Петрович");
    p521 = await sdkUser(server, "ecdsa-p521", "Пятисотова Полина Павловна");
    p384 = await sdkUser(server, "ecdsa-p384", "Трёхсотов Тимур Тимурович");
  });
  after(() => server.close());

  it("a personal chat made by a P-256 member with a P-521 member is read both ways", async () => {
    const chat = (await p256.messenger.chatWith(p521.phone)).chatId as string;
    await p256.messenger.sendText(chat, "привет, P-521");
    await p521.messenger.sendText(chat, "привет, P-256");
    for (const reader of [p256, p521]) {
      const texts = (await reader.messenger.history(chat)).map((read) => [read.text, read.signature]);
      assert.deepEqual(texts.sort(), [
        ["привет, P-256", "verified"],
        ["привет, P-521", "verified"],
      ]);
    }
  });

  it("a group made by a P-521 member gives its key to P-256 and P-384 members, who read its message", async () => {
    const group = await p521.messenger.createGroup("Кривые", [p256.phone, p384.phone]);
    const chat = group.chatId as string;
    await p521.messenger.sendText(chat, "всем кривым");
    for (const reader of [p256, p384]) {
      const [read] = await reader.messenger.history(chat);
      assert.equal(read?.text, "всем кривым");
      assert.equal(read?.signature, "verified");
    }
  });
});
