import assert from "node:assert/strict";
import { before, test } from "node:test";
import { ApiError } from "../../../src/protocol/errors.ts";
import { ContactService } from "../../../src/server/services/contacts.ts";
import { MemoryLookupQuota } from "../../../src/server/services/lookup-quota.ts";
import { insertMessage } from "../../../src/server/storage/repositories/messages.ts";
import { describeEachBackend } from "../../support/storage.ts";
import { message } from "../storage/repositories/fixtures.ts";
import { addCertificate, now, type Person, person, services, wrapped } from "./membership-fixtures.ts";

describeEachBackend("createChat and contacts under key epochs", (storage) => {
  let owner: Person;
  let other: Person;

  before(async () => {
    owner = await person(storage());
    other = await person(storage());
  });

  function contacts() {
    return new ContactService(
      storage().db,
      { quota: new MemoryLookupQuota(() => now), perDay: 100 },
      () => now,
    );
  }

  test("createChat stores the key rows' signatures under epoch 1 and announces chatAdded with each role", async () => {
    const { chats, events } = services(storage());
    const contact = await chats.create(owner.identity, {
      token: "",
      type: 1,
      name: "Signed",
      keys: [owner, other].map((member) => ({
        pid: member.pid,
        cid: member.cid,
        key: wrapped(member.cid, 1),
        sign: "c2lnbmVk",
      })),
    });
    const chat = contact.chatId as string;
    assert.deepEqual(
      [contact.keyId, contact.role, contact.key?.keyId, contact.key?.sign],
      [1, "owner", 1, "c2lnbmVk"],
    );
    assert.deepEqual(
      events.events.map(
        (event) => event.kind === "added" && [event.profileIds, event.event.role, event.event.keyId],
      ),
      [
        [[owner.pid], "owner", 1],
        [[other.pid], "member", 1],
      ],
    );
    const [listed] = await contacts().list(other.identity, []);
    assert.deepEqual([listed?.chatId, listed?.role, listed?.key?.sign], [chat, "member", "c2lnbmVk"]);
  });

  test("contacts show the caller's role as stored (an admin), rotationDue and the chat's wait list", async () => {
    const { chats, membership } = services(storage());
    const contact = await chats.create(owner.identity, {
      token: "",
      type: 1,
      name: "Roles",
      keys: [owner, other].map((member) => ({
        pid: member.pid,
        cid: member.cid,
        key: wrapped(member.cid, 1),
      })),
    });
    const chat = contact.chatId as string;
    await membership.setRole(owner.identity, { token: "", chat, pid: other.pid, role: "admin" });
    const renewed = await addCertificate(storage(), owner.pid);
    await storage()
      .db.insertInto("chat_key_waits")
      .values({ chat_id: chat, certificate_id: renewed, profile_id: owner.pid, since: now })
      .execute();
    const listed = (await contacts().list(other.identity, [])).find((entry) => entry.chatId === chat);
    assert.deepEqual(
      [
        listed?.role,
        listed?.rotationDue,
        listed?.waitList?.map((entry) => [entry.cid, entry.keyIds, entry.since]),
      ],
      ["admin", false, [[renewed, [1], Math.floor(now / 1000)]]],
    );
  });

  test("the chat list gives each chat's lastMessageId (null without messages); a phone search hit has none", async () => {
    const { chats } = services(storage());
    const [writer, reader] = [await person(storage()), await person(storage())];
    const created = async (name: string) =>
      (
        await chats.create(writer.identity, {
          token: "",
          type: 1,
          name,
          keys: [writer, reader].map((member) => ({
            pid: member.pid,
            cid: member.cid,
            key: wrapped(member.cid, 1),
          })),
        })
      ).chatId as string;
    const quiet = await created("Quiet");
    const talked = await created("Talked");
    const sender = {
      profileId: writer.pid,
      certificateId: writer.cid,
      sessionId: writer.identity.session.id,
    };
    const last = await insertMessage(storage().db, message(talked, sender));
    const listed = await contacts().list(reader.identity, []);
    const lastByChat = new Map(listed.map((entry) => [entry.chatId, entry.lastMessageId]));
    assert.deepEqual([lastByChat.get(quiet), lastByChat.get(talked)], [null, last]);
    const writerPhone = listed.find((entry) => entry.chatId === talked)?.phone as string;
    const [found] = await contacts().list(reader.identity, [writerPhone]);
    assert.equal(found?.pid, writer.pid);
    assert.equal("lastMessageId" in (found ?? {}), false);
  });

  /** A fresh creator (ECDSA) and a member holding an ECDSA and a GOST certificate the creator cannot wrap for. */
  async function mixedMembers(): Promise<{ creator: Person; member: Person; gost: number }> {
    const creator = await person(storage());
    const member = await person(storage());
    const gost = await addCertificate(storage(), member.pid, { group: "gost2012-256:CryptoPro-A" });
    return { creator, member, gost };
  }

  // Outside review (review12): createChat demanded a row for every current certificate of every member, so the
  // creator had to post one that cannot unwrap, and the certificate never reached the chat's wait list for a
  // capable member to serve. A v1 client may still send such a row: it is not stored, and the certificate waits.
  test("a row for a certificate the creator's certificate cannot wrap for is not stored, and the certificate waits", async () => {
    const { creator, member, gost } = await mixedMembers();
    const { chats } = services(storage());
    const contact = await chats.create(creator.identity, {
      token: "",
      type: 1,
      name: "Mixed",
      keys: [creator.cid, member.cid, gost].map((cid) => ({
        pid: cid === creator.cid ? creator.pid : member.pid,
        cid,
        key: wrapped(cid, 1),
      })),
    });
    const rows = await storage()
      .db.selectFrom("chat_keys")
      .select("certificate_id")
      .where("chat_id", "=", contact.chatId as string)
      .orderBy("certificate_id")
      .execute();
    assert.deepEqual(
      rows.map((row) => row.certificate_id),
      [creator.cid, member.cid],
    );
    const listed = (await contacts().list(creator.identity, [])).find(
      (entry) => entry.chatId === contact.chatId,
    );
    assert.deepEqual(
      listed?.waitList?.map((entry) => entry.cid),
      [gost],
    );
  });

  test("a member's certificate the creator cannot wrap for needs no row and starts on the chat's wait list", async () => {
    const { creator, member, gost } = await mixedMembers();
    const { chats } = services(storage());
    const contact = await chats.create(creator.identity, {
      token: "",
      type: 1,
      name: "Mixed, waiting",
      keys: [creator, member].map((who) => ({ pid: who.pid, cid: who.cid, key: wrapped(who.cid, 1) })),
    });
    const listed = (await contacts().list(creator.identity, [])).find(
      (entry) => entry.chatId === contact.chatId,
    );
    assert.deepEqual(
      listed?.waitList?.map((entry) => [entry.pid, entry.cid, entry.keyIds]),
      [[member.pid, gost, [1]]],
    );
  });

  test("a certificate the creator can wrap for still needs its row", async () => {
    const creator = await person(storage());
    const member = await person(storage());
    await addCertificate(storage(), member.pid);
    const { chats } = services(storage());
    await assert.rejects(
      chats.create(creator.identity, {
        token: "",
        type: 1,
        name: "Missing",
        keys: [creator, member].map((who) => ({ pid: who.pid, cid: who.cid, key: wrapped(who.cid, 1) })),
      }),
      (error) => error instanceof ApiError && error.code === "CreateChatKeysError",
    );
  });
});
