import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { chatServerEnv } from "../support/chats.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { type SdkUser, sdkUser } from "./support.ts";

describe("red-team probe: a group created with spaces around its name", () => {
  let server: TestServer;
  let creator: SdkUser;
  let member: SdkUser;

  before(async () => {
    server = await startTestServer({ env: chatServerEnv });
    creator = await sdkUser(server, "ecdsa-p256", "Сидоров Семён Семёнович");
    member = await sdkUser(server, "ecdsa-p256", "Козлова Анна Петровна");
  });
  after(() => server.close());

  it("a member reads its first message: its epoch-1 row and commitment verify over the name the server keeps", async () => {
    // The server trims the name it stores (createChat); the creator signed the rows and the commitment over the
    // name as typed, and the members check them over the stored one.
    const group = await creator.messenger.createGroup(" Команда ", [member.phone]);
    const chat = group.chatId as string;
    await creator.messenger.sendText(chat, "привет");
    const [read] = await member.messenger.history(chat);
    assert.equal(read?.text, "привет", read?.problem);
  });
});
