/**
 * Membership.add through a real server when a new member has no certificate this session can wrap for: the
 * server adds only the profiles the rows name, so the add fails before addMembers is sent.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { chatServerEnv } from "../support/chats.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { type SdkUser, sdkUser } from "./support.ts";

describe("SDK membership.add with a member it cannot wrap for", () => {
  let server: TestServer;
  let owner: SdkUser;
  let ecdsa: SdkUser;
  let gostOnly: SdkUser;

  before(async () => {
    server = await startTestServer({ caAlg: "ecdsa-p256", env: chatServerEnv });
    owner = await sdkUser(server, "ecdsa-p256", "Орлов Олег Олегович");
    ecdsa = await sdkUser(server, "ecdsa-p256", "Белова Вера Викторовна");
    gostOnly = await sdkUser(server, "gost2012-256", "Гостева Галина Глебовна");
  });
  after(() => server.close());

  it("adds nobody and sends nothing when one new member holds only certificates it cannot wrap for", async (t) => {
    const chat = (await owner.messenger.createGroup("Без ГОСТ", [])).chatId as string;
    const calls: string[] = [];
    const call = owner.messenger.api.call.bind(owner.messenger.api);
    t.mock.method(owner.messenger.api, "call", ((name, request) => {
      calls.push(name);
      return call(name, request);
    }) as typeof call);
    const { pid, cid } = await gostOnly.messenger.profile();
    await assert.rejects(
      owner.messenger.membership.add(chat, [ecdsa.phone, gostOnly.phone], { history: "now" }),
      new RegExp(`can wrap the chat key for no certificate of profile ${pid} \\(certificate ${cid}: `),
    );
    assert.ok(!calls.includes("addMembers"), calls.join(", "));
    const members = await owner.messenger.membership.members(chat);
    assert.deepEqual(
      members.members.map((member) => member.pid),
      [(await owner.messenger.profile()).pid],
    );
  });
});
