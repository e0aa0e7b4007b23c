// Outside review of issue 13 (evidence for the lead): each test states the behaviour the design promises or a
// secure server needs; a failing test is a finding.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { ChatType } from "../../src/protocol/schemas/chats.ts";
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

  const epochKeys = (keyId: number, people: Person[]) =>
    people.map((p) => ({ pid: p.pid, cid: p.cid, key: wrapped(p.cid, keyId) }));

  test("a chatsKeys that stores nothing does not outdate a removal (a member cannot block its own removal)", async () => {
    const chat = await createChat(storage(), owner, [bob, mallory]);
    const { membership, keys } = services(storage());
    const seen = await membership.members(owner.identity, chat);
    // Mallory, about to be removed, posts a row for a certificate that is not waiting: skipped, stores nothing.
    const stored = await keys.fulfil(mallory.identity, {
      token: "",
      keys: [{ chatId: chat, pid: owner.pid, cid: owner.cid, keyId: 1, key: wrapped(owner.cid, 1) }],
    });
    assert.deepEqual(stored, []);
    const data = await membership.remove(owner.identity, {
      token: "",
      chat,
      pid: mallory.pid,
      keyId: 1,
      version: seen.version,
      keys: epochKeys(2, [owner, bob]),
    });
    assert.equal(data.keyId, 2);
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

  test("addMembers refuses a key for a new member's expired certificate", async () => {
    const chat = await createChat(storage(), owner, [bob]);
    const dave = await person(storage());
    const expired = await addCertificate(storage(), dave.pid, { notAfter: now - 1 });
    const { membership } = services(storage());
    await assert.rejects(
      membership.add(owner.identity, {
        token: "",
        chat,
        keyId: 1,
        history: "now",
        keys: [dave.cid, expired].map((cid) => ({ pid: dave.pid, cid, keyId: 1, key: wrapped(cid, 1) })),
      }),
      (error: { code?: string }) => error.code === "CreateChatKeysError",
    );
  });

  test("a channel subscriber does not get the other subscribers' phone numbers from chatMembers", async () => {
    const chat = await createChat(storage(), owner, [bob, mallory], ChatType.channel);
    const { membership } = services(storage());
    const data = await membership.members(mallory.identity, chat);
    const bobEntry = data.members.find((member) => member.pid === bob.pid);
    assert.equal(
      bobEntry,
      undefined,
      `subscriber ${bob.pid} (phone ${bobEntry?.phone}) is listed to subscriber`,
    );
  });

  test("in a channel, a subscriber may not rotate (pick every member's next key) after another one left", async () => {
    const carol = await person(storage());
    const chat = await createChat(storage(), owner, [bob, mallory, carol], ChatType.channel);
    const { membership } = services(storage());
    await membership.leave(carol.identity, { token: "", chat });
    const seen = await membership.members(mallory.identity, chat);
    assert.equal(seen.rotationDue, true);
    const holders = seen.members.flatMap((m) =>
      m.certificates.filter((c) => c.hasKey).map((c) => ({ pid: m.pid, cid: c.id, key: wrapped(c.id, 2) })),
    );
    await assert.rejects(
      membership.rotate(mallory.identity, {
        token: "",
        chat,
        keyId: 1,
        version: seen.version,
        keys: holders,
      }),
      (error: { code?: string }) => error.code === "GetChatsError",
    );
  });

  test("held: setRole in a personal chat is CreateChatError; a refused removeMember leaves members, keys and version", async () => {
    const pair = await createChat(storage(), owner, [bob], ChatType.personal);
    const { membership } = services(storage());
    await assert.rejects(
      membership.setRole(owner.identity, { token: "", chat: pair, pid: bob.pid, role: "admin" }),
      (error: { code?: string }) => error.code === "CreateChatError",
    );
    const chat = await createChat(storage(), owner, [bob, mallory]);
    const seen = await membership.members(owner.identity, chat);
    await assert.rejects(
      membership.remove(owner.identity, {
        token: "",
        chat,
        pid: mallory.pid,
        keyId: 1,
        version: seen.version,
        keys: epochKeys(2, [owner]), // Bob's key missing: incomplete
      }),
      (error: { code?: string }) => error.code === "CreateChatKeysError",
    );
    const after = await membership.members(owner.identity, chat);
    assert.deepEqual(
      [after.version, after.keyId, after.members.map((m) => [m.pid, m.certificates.every((c) => c.hasKey)])],
      [seen.version, 1, seen.members.map((m) => [m.pid, true])],
    );
  });
});
