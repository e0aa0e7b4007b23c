// Outside review of issue 13 (evidence for the lead): each test states the behaviour the design promises or a
// secure server needs; a failing test is a finding. The other cases of this file now live beside the sources
// they test (services/chat-keys, chat-membership, wait-list-view); this one is still open (not fixed by V2).
import assert from "node:assert/strict";
import { before, test } from "node:test";
import {
  addCertificate,
  createChat,
  now,
  type Person,
  person,
  services,
  wrapped,
} from "../server/services/membership-fixtures.ts";
import { describeEachBackend } from "../support/storage.ts";

describeEachBackend("issue 13 review: services", (storage) => {
  let owner: Person;
  let bob: Person;
  let mallory: Person;

  before(async () => {
    owner = await person(storage());
    bob = await person(storage());
    mallory = await person(storage());
  });

  test("a member's bogus row for a waiting certificate does not shut out a holder's later row", async () => {
    const chat = await createChat(storage(), owner, [bob, mallory]);
    const { keys } = services(storage());
    const renewed = await addCertificate(storage(), bob.pid);
    await storage()
      .db.insertInto("chat_key_waits")
      .values({ chat_id: chat, certificate_id: renewed, profile_id: bob.pid, since: now })
      .execute();
    const row = (key: string) => ({ chatId: chat, pid: bob.pid, cid: renewed, keyId: 1, key });
    await keys.fulfil(mallory.identity, {
      token: "",
      keys: [row(Buffer.from("garbage").toString("base64"))],
    });
    const honest = await keys.fulfil(owner.identity, { token: "", keys: [row(wrapped(renewed, 1))] });
    assert.equal(honest.length, 1, "the honest key never reaches the renewed certificate");
  });
});
