import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import { openStorage, type Storage } from "../../../../src/server/storage/database.ts";
import { advanceEpoch, listEpochs } from "../../../../src/server/storage/repositories/chat-key-epochs.ts";
import {
  bumpChatVersion,
  deleteMember,
  findChatById,
  findChatsByPairKeys,
  findMembership,
  findMemberView,
  findReaderBounds,
  findReaderView,
  insertChatMembers,
  listChatsOfProfile,
  listMembers,
  lockChat,
  lockChats,
  MemberRole,
  setChatOwner,
  setMemberRole,
  setRotationDue,
} from "../../../../src/server/storage/repositories/chats.ts";
import {
  isUniqueViolation,
  messageRefusal,
} from "../../../../src/server/storage/repositories/constraint-errors.ts";
import type { Executor } from "../../../../src/server/storage/repositories/executor.ts";
import { insertMessage } from "../../../../src/server/storage/repositories/messages.ts";
import { backends, describeEachBackend, type TestStorage } from "../../../support/storage.ts";
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

  test("listChatsOfProfile gives each chat's last message the profile may read", async () => {
    const frank = await member(storage(), "chat-frank", "79990001006");
    const empty = await chatOf(storage(), frank, []);
    const talked = await chatOf(storage(), frank, [alice]);
    const joinedLate = await chatOf(storage(), alice, [frank]);
    await insertMessage(storage().db, message(talked, alice));
    const last = await insertMessage(storage().db, message(talked, frank));
    const hidden = await insertMessage(storage().db, message(joinedLate, alice));
    await storage()
      .db.updateTable("chat_members")
      .set({ visible_after_message_id: hidden })
      .where("chat_id", "=", joinedLate)
      .where("profile_id", "=", frank.profileId)
      .execute();
    const lastById = new Map(
      (await listChatsOfProfile(storage().db, frank.profileId)).map((chat) => [
        chat.id,
        chat.last_visible_message_id,
      ]),
    );
    assert.deepEqual(
      [lastById.get(empty), lastById.get(talked), lastById.get(joinedLate)],
      [null, last, null],
    );
  });

  test("listChatsOfProfile gives the profile's role and each chat's epoch state", async () => {
    const erin = await member(storage(), "chat-erin", "79990001005");
    const owned = await chatOf(storage(), erin, []);
    const joined = await chatOf(storage(), alice, [erin]);
    const chats = await listChatsOfProfile(storage().db, erin.profileId);
    assert.deepEqual(
      chats
        .map((chat) => [chat.id, chat.role, chat.key_id, chat.version, chat.rotation_due])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      [
        [owned, MemberRole.owner, 1, 0, 0],
        [joined, MemberRole.member, 1, 0, 0],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
  });
});

describeEachBackend("chat membership changes", (storage) => {
  let owner: Member;
  let admin: Member;
  let plain: Member;
  let chat: string;
  before(async () => {
    owner = await member(storage(), "mc-owner", "79990001101");
    admin = await member(storage(), "mc-admin", "79990001102");
    plain = await member(storage(), "mc-plain", "79990001103");
    chat = await chatOf(storage(), owner, [plain]);
    await insertChatMembers(storage().db, [
      {
        chat_id: chat,
        profile_id: admin.profileId,
        role: MemberRole.admin,
        joined_at: now + 5,
        visible_after_message_id: 17,
        first_key_id: 1,
        added_by_profile_id: owner.profileId,
      },
    ]);
  });

  test("insertChat starts the chat at epoch 1 with its creation epoch row", async () => {
    const fresh = await chatOf(storage(), owner, []);
    assert.equal((await findChatById(storage().db, fresh))?.key_id, 1);
    assert.deepEqual(await listEpochs(storage().db, fresh), [
      {
        chat_id: fresh,
        key_id: 1,
        after_message_id: 0,
        created_by_profile_id: owner.profileId,
        reason: "create",
        created_at: now,
        // No commitment unless the creator sent one (chat-key-epochs.test.ts stores one).
        commitment: null,
        commitment_sign: null,
        commitment_certificate_id: null,
      },
    ]);
  });

  test("lockChat bumps the version and returns the chat's state; undefined for an unknown chat", async () => {
    const fresh = await chatOf(storage(), owner, [], 2);
    const locked = await storage()
      .db.transaction()
      .execute((trx) => lockChat(trx, fresh));
    assert.deepEqual(locked, {
      type: 2,
      owner_profile_id: owner.profileId,
      key_id: 1,
      version: 1,
      rotation_due: 0,
    });
    assert.equal((await lockChat(storage().db, fresh))?.version, 2);
    assert.equal(await lockChat(storage().db, randomUUID()), undefined);
  });

  test("lockChats locks each named chat once without bumping its version and leaves unknown ids out", async () => {
    const first = await chatOf(storage(), owner, []);
    const second = await chatOf(storage(), owner, []);
    const locked = await lockChats(storage().db, [second, first, second, randomUUID()]);
    assert.deepEqual([...locked.keys()].sort(), [first, second].sort());
    assert.deepEqual(
      [...locked.values()].map((chat) => chat.version),
      [0, 0],
    );
  });

  test("bumpChatVersion moves the version by one", async () => {
    const fresh = await chatOf(storage(), owner, []);
    await bumpChatVersion(storage().db, fresh);
    assert.equal((await findChatById(storage().db, fresh))?.version, 1);
  });

  test("findMemberView gives role, chat type, epochs and the history bound", async () => {
    const view = await findMemberView(storage().db, chat, admin.profileId);
    assert.deepEqual(view, {
      chat_type: 1,
      role: MemberRole.admin,
      owner_profile_id: owner.profileId,
      key_id: 1,
      version: 0,
      rotation_due: 0,
      visible_after_message_id: 17,
      first_key_id: 1,
    });
  });

  test("findMemberView is undefined for a non-member and for an unknown chat alike", async () => {
    const stranger = await member(storage(), "mc-stranger", "79990001104");
    assert.equal(await findMemberView(storage().db, chat, stranger.profileId), undefined);
    assert.equal(await findMemberView(storage().db, randomUUID(), owner.profileId), undefined);
  });

  test("findReaderView gives the history bound and the chat's last message id, null before any", async () => {
    const fresh = await chatOf(storage(), owner, [admin]);
    assert.deepEqual(await findReaderView(storage().db, fresh, admin.profileId), {
      visible_after_message_id: 0,
      last_message_id: null,
    });
    await insertMessage(storage().db, message(fresh, owner));
    const last = await insertMessage(storage().db, message(fresh, owner));
    await insertMessage(storage().db, message(await chatOf(storage(), owner, []), owner));
    assert.deepEqual(await findReaderView(storage().db, fresh, admin.profileId), {
      visible_after_message_id: 0,
      last_message_id: last,
    });
    assert.equal((await findReaderView(storage().db, chat, admin.profileId))?.visible_after_message_id, 17);
  });

  test("findReaderView is undefined for a non-member and for an unknown chat alike", async () => {
    const stranger = await member(storage(), "mc-reader-stranger", "79990001105");
    assert.equal(await findReaderView(storage().db, chat, stranger.profileId), undefined);
    assert.equal(await findReaderView(storage().db, randomUUID(), owner.profileId), undefined);
  });

  test("findReaderBounds answers which of the chats the profile is in, each with its history bound, unknown chats and others' left out", async () => {
    const fresh = await chatOf(storage(), owner, [admin]);
    const others = await chatOf(storage(), owner, []);
    const bounds = await findReaderBounds(storage().db, admin.profileId, [chat, fresh, others, randomUUID()]);
    assert.deepEqual(
      bounds,
      new Map([
        [chat, 17],
        [fresh, 0],
      ]),
    );
  });

  test("findReaderBounds of no chats reads nothing and answers none", async () => {
    assert.deepEqual(await findReaderBounds(storage().db, admin.profileId, []), new Map());
  });

  test("findReaderBounds answers alike for lists of different lengths (one compiled read per length)", async () => {
    const second = await chatOf(storage(), owner, [admin]);
    assert.deepEqual(await findReaderBounds(storage().db, admin.profileId, [chat]), new Map([[chat, 17]]));
    assert.deepEqual(
      await findReaderBounds(storage().db, admin.profileId, [second, chat]),
      new Map([
        [second, 0],
        [chat, 17],
      ]),
    );
    assert.deepEqual(await findReaderBounds(storage().db, admin.profileId, [second]), new Map([[second, 0]]));
  });

  test("listMembers lists the owner, then admins, then members", async () => {
    const members = await listMembers(storage().db, chat);
    assert.deepEqual(
      members.map((m) => [m.profile_id, m.role, m.added_by_profile_id]),
      [
        [owner.profileId, MemberRole.owner, null],
        [admin.profileId, MemberRole.admin, owner.profileId],
        [plain.profileId, MemberRole.member, null],
      ],
    );
  });

  test("deleteMember removes the membership and says whether there was one", async () => {
    const leaver = await member(storage(), "mc-leaver", "79990001105");
    const group = await chatOf(storage(), owner, [leaver]);
    assert.equal(await deleteMember(storage().db, group, leaver.profileId), true);
    assert.equal(await findMemberView(storage().db, group, leaver.profileId), undefined);
    assert.equal(await deleteMember(storage().db, group, leaver.profileId), false);
  });

  test("ownership is handed over by demoting the owner, promoting the heir and setChatOwner", async () => {
    const heir = await member(storage(), "mc-heir", "79990001106");
    const group = await chatOf(storage(), owner, [heir]);
    await storage()
      .db.transaction()
      .execute(async (trx) => {
        await setMemberRole(trx, group, owner.profileId, MemberRole.admin);
        await setMemberRole(trx, group, heir.profileId, MemberRole.owner);
        await setChatOwner(trx, group, heir.profileId);
      });
    assert.equal((await findMemberView(storage().db, group, heir.profileId))?.role, MemberRole.owner);
    assert.equal((await findMemberView(storage().db, group, owner.profileId))?.role, MemberRole.admin);
    assert.equal((await findChatById(storage().db, group))?.owner_profile_id, heir.profileId);
  });

  test("promoting a second owner without demoting the first is a unique violation", async () => {
    await assert.rejects(setMemberRole(storage().db, chat, admin.profileId, MemberRole.owner), (error) =>
      isUniqueViolation(error),
    );
  });

  test("setRotationDue sets and clears the flag", async () => {
    const group = await chatOf(storage(), owner, []);
    await setRotationDue(storage().db, group, true);
    assert.equal((await findChatById(storage().db, group))?.rotation_due, 1);
    await setRotationDue(storage().db, group, false);
    assert.equal((await findChatById(storage().db, group))?.rotation_due, 0);
  });
});

/** Resolves once another backend waits for a lock this transaction holds (a barrier, not a sleep). */
async function untilSomeoneWaitsOn(trx: Executor): Promise<void> {
  for (;;) {
    // pg_stat_activity is read once per transaction unless its snapshot is cleared.
    await sql`select pg_stat_clear_snapshot()`.execute(trx);
    const { rows } = await sql<{ waiting: number }>`select count(*)::int as waiting from pg_stat_activity
      where pg_backend_pid() = any(pg_blocking_pids(pid))`.execute(trx);
    if ((rows[0]?.waiting ?? 0) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const postgres = backends.find((backend) => backend.name === "postgres");

// SQLite needs no such test: its writers are serial (the lock statement takes the database write lock).
describe("lockChat against concurrent sends [postgres]", {
  skip: postgres?.skip ?? "no PostgreSQL backend",
}, () => {
  let current: TestStorage | undefined;
  /** The senders' own connection, opened before any lock is taken. */
  let senders: Storage | undefined;
  let alice: Member;
  let bob: Member;
  const storage = (): Storage => {
    if (!current) throw new Error("storage not ready");
    return current.storage;
  };
  before(async () => {
    current = await postgres?.create();
    alice = await member(storage(), "lock-alice", "79990001201");
    bob = await member(storage(), "lock-bob", "79990001202");
    if (current) senders = openStorage(current.target);
  });
  after(async () => {
    await senders?.close();
    await current?.dispose();
  });

  /**
   * Starts `sender`'s send under epoch 1 while a removal of bob holds the chat (lockChat, delete, epoch 2);
   * the send must still be waiting when the removal commits. Returns the send's refusal, or "stored".
   */
  async function sendDuringRemoval(sender: () => Member): Promise<string | undefined> {
    const db = storage().db;
    const chat = await chatOf(storage(), alice, [bob]);
    let outcome: Promise<string | undefined> | undefined;
    let settled = false;
    await db.transaction().execute(async (trx) => {
      await lockChat(trx, chat);
      if (!senders) throw new Error("no sender connection");
      outcome = insertMessage(senders.db, message(chat, sender(), { key_id: 1 })).then(
        () => "stored",
        (error: unknown) => messageRefusal(error),
      );
      void outcome.finally(() => {
        settled = true;
      });
      await untilSomeoneWaitsOn(trx);
      assert.equal(settled, false);
      await deleteMember(trx, chat, bob.profileId);
      await advanceEpoch(trx, {
        chatId: chat,
        keyId: 2,
        afterMessageId: 0,
        by: alice.profileId,
        reason: "remove",
        now,
      });
    });
    return outcome;
  }

  // A lock that does not hold would leave the barrier waiting: the timeout fails such a run.
  test("a send under the old epoch issued while a removal holds the chat waits, then is refused stale-key", {
    timeout: 60_000,
  }, async () => {
    assert.equal(await sendDuringRemoval(() => alice), "stale-key");
  });

  test("the removed member's send issued during its removal waits, then is refused not-member", {
    timeout: 60_000,
  }, async () => {
    assert.equal(await sendDuringRemoval(() => bob), "not-member");
  });
});
