import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { before, test } from "node:test";
import {
  findChatById,
  findChatsByPairKeys,
  findMembership,
  listChatsOfProfile,
  MemberRole,
} from "../../../../src/server/storage/repositories/chats.ts";
import { isUniqueViolation } from "../../../../src/server/storage/repositories/constraint-errors.ts";
import { insertMessage } from "../../../../src/server/storage/repositories/messages.ts";
import { describeEachBackend } from "../../../support/storage.ts";
import { chatOf, type Member, member, message, now } from "./fixtures.ts";

describeEachBackend("chats and members", (storage) => {
  let alice: Member;
  let bob: Member;
  let carol: Member;
  before(async () => {
    alice = await member(storage(), "chat-alice", "79990001001");
    bob = await member(storage(), "chat-bob", "79990001002");
    carol = await member(storage(), "chat-carol", "79990001003");
  });

  test("a chat is stored with its members and roles", async () => {
    const id = await chatOf(storage(), alice, [bob]);
    assert.equal((await findChatById(storage().db, id))?.name, "Group");
    assert.deepEqual(await findMembership(storage().db, id, alice.profileId), {
      chat_type: 1,
      role: MemberRole.owner,
    });
    assert.deepEqual(await findMembership(storage().db, id, bob.profileId), {
      chat_type: 1,
      role: MemberRole.member,
    });
    assert.equal(await findMembership(storage().db, id, carol.profileId), undefined);
    assert.equal(await findMembership(storage().db, randomUUID(), alice.profileId), undefined);
  });

  test("a second personal chat for the same pair is a unique violation", async () => {
    const pair = `${alice.profileId}:${carol.profileId}`;
    await chatOf(storage(), alice, [carol], 0, pair);
    await assert.rejects(chatOf(storage(), carol, [alice], 0, pair), (error) => isUniqueViolation(error));
    const found = await findChatsByPairKeys(storage().db, [pair, "0:0"]);
    assert.equal(found.length, 1);
    assert.equal(found[0]?.type, 0);
  });

  test("listChatsOfProfile orders by last activity, chats without messages by creation", async () => {
    const dave = await member(storage(), "chat-dave", "79990001004");
    const quiet = await chatOf(storage(), dave, []);
    const busy = await chatOf(storage(), dave, [alice]);
    await storage()
      .db.updateTable("chats")
      .set({ created_at: now + 10 })
      .where("id", "=", quiet)
      .execute();
    await insertMessage(storage().db, message(busy, dave, { created_at: now + 20 }));
    const chats = await listChatsOfProfile(storage().db, dave.profileId);
    assert.deepEqual(
      chats.map((chat) => chat.id),
      [busy, quiet],
    );
    assert.deepEqual(
      chats.map((chat) => chat.last_activity_at),
      [now + 20, now + 10],
    );
  });
});
