import assert from "node:assert/strict";
import { before, test } from "node:test";
import { ApiError } from "../../../src/protocol/errors.ts";
import { ChatType } from "../../../src/protocol/schemas/chats.ts";
import type { ChatMembersData } from "../../../src/protocol/schemas/members.ts";
import { MemoryLookupQuota } from "../../../src/server/services/lookup-quota.ts";
import { lookupAccount } from "../../../src/server/services/named-profiles.ts";
import { listAuditEvents } from "../../../src/server/storage/repositories/audit.ts";
import { listProfilesWithPhones } from "../../../src/server/storage/repositories/profiles.ts";
import { describeEachBackend } from "../../support/storage.ts";
import {
  addCertificate,
  createChat,
  now,
  type Person,
  person,
  services,
  wrapped,
} from "./membership-fixtures.ts";

function refusedWith(code: string) {
  return (error: unknown) => error instanceof ApiError && error.code === code;
}

/** The new epoch's keys for every current certificate of these members. */
function epochKeys(members: ChatMembersData["members"], keyId: number) {
  return members.flatMap((member) =>
    member.certificates.map((certificate) => ({
      pid: member.pid,
      cid: certificate.id,
      key: wrapped(certificate.id, keyId),
    })),
  );
}

describeEachBackend("ChatMembershipService", (storage) => {
  let owner: Person;
  let admin: Person;
  let plain: Person;
  let outsider: Person;
  let group: string;

  /** A group of owner, admin and plain member (fresh for each test that changes it). */
  async function team(): Promise<string> {
    const chat = await createChat(storage(), owner, [admin, plain]);
    await services(storage()).membership.setRole(owner.identity, {
      token: "",
      chat,
      pid: admin.pid,
      role: "admin",
    });
    return chat;
  }

  async function membersOf(chat: string, by = owner) {
    return services(storage()).membership.members(by.identity, chat);
  }

  before(async () => {
    owner = await person(storage());
    admin = await person(storage());
    plain = await person(storage());
    outsider = await person(storage());
    group = await team();
  });

  test("chatMembers lists roles, certificates with key status, epoch 1 and an empty wait list", async () => {
    const data = await membersOf(group);
    assert.equal(data.keyId, 1);
    assert.equal(data.rotationDue, false);
    assert.deepEqual(
      data.members.map((member) => [member.pid, member.role, member.certificates.map((c) => c.hasKey)]),
      [
        [owner.pid, "owner", [true]],
        [admin.pid, "admin", [true]],
        [plain.pid, "member", [true]],
      ],
    );
    assert.deepEqual(data.waitList, []);
  });

  test("chatMembers of a chat the caller is not in, or of an unknown chat, is GetChatsError", async () => {
    await assert.rejects(membersOf(group, outsider), refusedWith("GetChatsError"));
    await assert.rejects(membersOf("no-such-chat"), refusedWith("GetChatsError"));
  });

  test("an admin adds a member with history now: visible after the last message, first epoch the current one", async () => {
    const chat = await team();
    const newcomer = await person(storage());
    const { membership, events } = services(storage());
    const data = await membership.add(admin.identity, {
      token: "",
      chat,
      keyId: 1,
      history: "now",
      keys: [{ pid: newcomer.pid, cid: newcomer.cid, keyId: 1, key: wrapped(newcomer.cid, 1) }],
    });
    assert.deepEqual(
      data.members.map((member) => member.pid),
      [owner.pid, admin.pid, plain.pid, newcomer.pid],
    );
    const row = await storage()
      .db.selectFrom("chat_members")
      .select(["visible_after_message_id", "first_key_id", "added_by_profile_id"])
      .where("chat_id", "=", chat)
      .where("profile_id", "=", newcomer.pid)
      .executeTakeFirstOrThrow();
    assert.deepEqual(row, { visible_after_message_id: 0, first_key_id: 1, added_by_profile_id: admin.pid });
    assert.deepEqual(events.of(chat), ["added", "keysAdded", "changed"]);
  });

  test("adding a certificate the caller could wrap for without its key is CreateChatKeysError", async () => {
    const chat = await team();
    const newcomer = await person(storage());
    const second = await addCertificate(storage(), newcomer.pid);
    await assert.rejects(
      services(storage()).membership.add(owner.identity, {
        token: "",
        chat,
        keyId: 1,
        history: "all",
        keys: [{ pid: newcomer.pid, cid: second, keyId: 1, key: wrapped(second, 1) }],
      }),
      refusedWith("CreateChatKeysError"),
    );
  });

  test("addMembers refuses a key for a new member's expired or revoked certificate (CreateChatKeysError)", async () => {
    const chat = await team();
    const newcomer = await person(storage());
    const expired = await addCertificate(storage(), newcomer.pid, { notAfter: now - 1 });
    const revoked = await addCertificate(storage(), newcomer.pid);
    await storage()
      .db.updateTable("certificates")
      .set({ revoked_at: now - 1 })
      .where("id", "=", revoked)
      .execute();
    for (const stale of [expired, revoked]) {
      await assert.rejects(
        services(storage()).membership.add(owner.identity, {
          token: "",
          chat,
          keyId: 1,
          history: "now",
          keys: [newcomer.cid, stale].map((cid) => ({
            pid: newcomer.pid,
            cid,
            keyId: 1,
            key: wrapped(cid, 1),
          })),
        }),
        refusedWith("CreateChatKeysError"),
        `certificate ${stale}`,
      );
    }
  });

  test("a new member's GOST certificate on another curve goes on the wait list, not fulfillable", async () => {
    const chat = await team();
    const newcomer = await person(storage());
    const gost = await addCertificate(storage(), newcomer.pid, { group: "gost2012-256:CryptoPro-B" });
    const { membership, events } = services(storage());
    const data = await membership.add(owner.identity, {
      token: "",
      chat,
      keyId: 1,
      history: "all",
      keys: [{ pid: newcomer.pid, cid: newcomer.cid, keyId: 1, key: wrapped(newcomer.cid, 1) }],
    });
    assert.deepEqual(
      data.waitList.map((entry) => [entry.cid, entry.keyIds, entry.wrapWith, entry.fulfillable]),
      [[gost, [1], "gost2012-256:CryptoPro-B", false]],
    );
    assert.ok(events.of(chat).includes("waitListChanged"));
  });

  // Outside review (attack12): the row could not unwrap, yet it kept the certificate off the wait list.
  test("addMembers with a row for a GOST certificate on another curve than the caller's is CreateChatKeysError, nothing added", async () => {
    const chat = await team();
    const newcomer = await person(storage());
    const gost = await addCertificate(storage(), newcomer.pid, { group: "gost2012-256:CryptoPro-B" });
    const { membership } = services(storage());
    await assert.rejects(
      membership.add(owner.identity, {
        token: "",
        chat,
        keyId: 1,
        history: "all",
        keys: [newcomer.cid, gost].map((cid) => ({ pid: newcomer.pid, cid, keyId: 1, key: wrapped(cid, 1) })),
      }),
      refusedWith("CreateChatKeysError"),
    );
    assert.deepEqual(
      (await membersOf(chat)).members.map((member) => member.pid),
      [owner.pid, admin.pid, plain.pid],
    );
  });

  test("rotateKey with a row for a GOST certificate on another curve than the caller's is CreateChatKeysError, the epoch stays", async () => {
    const member = await person(storage());
    const chat = await createChat(storage(), owner, [member]);
    const gost = await addCertificate(storage(), member.pid, { group: "gost2012-256:CryptoPro-B" });
    const before = await membersOf(chat);
    const keys = epochKeys(before.members, 2);
    assert.ok(keys.some((key) => key.cid === gost));
    await assert.rejects(
      services(storage()).membership.rotate(owner.identity, {
        token: "",
        chat,
        keyId: 1,
        version: before.version,
        keys,
      }),
      refusedWith("CreateChatKeysError"),
    );
    assert.equal((await membersOf(chat)).keyId, 1);
  });

  test("addMembers counts new members' phones against the caller's daily lookup quota: past it DataError, nothing added", async () => {
    const chat = await createChat(storage(), owner, [admin]);
    const quota = new MemoryLookupQuota(() => now);
    const { membership } = services(storage(), undefined, { quota, perDay: 1 });
    const stranger = await person(storage());
    const known = await person(storage());
    const addOne = (newcomer: Person) =>
      membership.add(owner.identity, {
        token: "",
        chat,
        keyId: 1,
        history: "now",
        keys: [{ pid: newcomer.pid, cid: newcomer.cid, keyId: 1, key: wrapped(newcomer.cid, 1) }],
      });
    // The day's one lookup, spent on another phone.
    assert.equal(await quota.admit(lookupAccount(owner.identity.profile), ["79990000001"], 1), true);
    await assert.rejects(addOne(stranger), refusedWith("DataError"));
    assert.deepEqual(
      (await membersOf(chat)).members.map((member) => member.pid),
      [owner.pid, admin.pid],
      "nothing added",
    );
    // Free: a member the caller already shares a chat with.
    await createChat(storage(), owner, [known]);
    assert.deepEqual(
      (await addOne(known)).members.map((member) => member.pid),
      [owner.pid, admin.pid, known.pid],
    );
  });

  test("addMembers takes a new member whose phone the caller looked up that day without more of the quota", async () => {
    const chat = await createChat(storage(), owner, [admin]);
    const quota = new MemoryLookupQuota(() => now);
    const { membership } = services(storage(), undefined, { quota, perDay: 1 });
    const newcomer = await person(storage());
    const [profile] = await listProfilesWithPhones(storage().db, [newcomer.pid]);
    assert.ok(profile?.phone);
    assert.equal(await quota.admit(lookupAccount(owner.identity.profile), [profile.phone], 1), true);
    const data = await membership.add(owner.identity, {
      token: "",
      chat,
      keyId: 1,
      history: "now",
      keys: [{ pid: newcomer.pid, cid: newcomer.cid, keyId: 1, key: wrapped(newcomer.cid, 1) }],
    });
    assert.deepEqual(
      data.members.map((member) => member.pid),
      [owner.pid, admin.pid, newcomer.pid],
    );
  });

  test("addMembers refusals: member or outsider caller, already a member, stale keyId, foreign cid, duplicate, personal chat", async () => {
    const chat = await team();
    const newcomer = await person(storage());
    const key = { pid: newcomer.pid, cid: newcomer.cid, keyId: 1, key: wrapped(newcomer.cid, 1) };
    const { membership } = services(storage());
    const add = (by: Person, over: Partial<Parameters<typeof membership.add>[1]> = {}) =>
      membership.add(by.identity, { token: "", chat, keyId: 1, history: "now", keys: [key], ...over });
    await assert.rejects(add(plain), refusedWith("GetChatsError"));
    await assert.rejects(add(outsider), refusedWith("GetChatsError"));
    await assert.rejects(
      add(owner, { keys: [{ ...key, pid: plain.pid, cid: plain.cid }] }),
      refusedWith("CreateChatError"),
    );
    await assert.rejects(add(owner, { keyId: 2 }), refusedWith("ChatKeyOutdated"));
    await assert.rejects(
      add(owner, { keys: [{ ...key, cid: plain.cid }] }),
      refusedWith("CreateChatKeysError"),
    );
    await assert.rejects(add(owner, { keys: [key, key] }), refusedWith("CreateChatKeysError"));
    const personal = await createChat(storage(), owner, [outsider], ChatType.personal);
    await assert.rejects(add(owner, { chat: personal }), refusedWith("CreateChatError"));
  });

  test("removeMember moves to epoch 2 with keys for everyone else, and the removed member reads nothing", async () => {
    const chat = await team();
    const { membership, keys, events } = services(storage());
    const before = await membersOf(chat);
    const remaining = before.members.filter((member) => member.pid !== plain.pid);
    const data = await membership.remove(admin.identity, {
      token: "",
      chat,
      pid: plain.pid,
      keyId: 1,
      version: before.version,
      keys: epochKeys(remaining, 2),
    });
    assert.equal(data.keyId, 2);
    assert.deepEqual(
      data.members.map((member) => member.pid),
      [owner.pid, admin.pid],
    );
    assert.deepEqual(events.of(chat), ["removed", "keysAdded", "changed", "waitListChanged"]);
    await assert.rejects(membersOf(chat, plain), refusedWith("GetChatsError"));
    await assert.rejects(keys.keys(plain.identity, { token: "", chat }), refusedWith("GetChatsError"));
    const audit = await listAuditEvents(storage().db, { profileId: plain.pid, limit: 10 });
    assert.ok(audit.some((event) => event.type === "chat.member.removed" && event.chat_id === chat));
  });

  test("removeMember refusals: incomplete key set, a key for the removed member, stale version, admin removing admin", async () => {
    const chat = await team();
    const { membership } = services(storage());
    const before = await membersOf(chat);
    const remaining = before.members.filter((member) => member.pid !== plain.pid);
    const remove = (over: Partial<Parameters<typeof membership.remove>[1]> = {}, by = owner) =>
      membership.remove(by.identity, {
        token: "",
        chat,
        pid: plain.pid,
        keyId: 1,
        version: before.version,
        keys: epochKeys(remaining, 2),
        ...over,
      });
    await assert.rejects(
      remove({ keys: epochKeys(remaining, 2).slice(1) }),
      refusedWith("CreateChatKeysError"),
    );
    await assert.rejects(remove({ keys: epochKeys(before.members, 2) }), refusedWith("CreateChatKeysError"));
    await assert.rejects(remove({ version: before.version - 1 }), refusedWith("ChatKeyOutdated"));
    await assert.rejects(remove({ keyId: 2 }), refusedWith("ChatKeyOutdated"));
    await assert.rejects(remove({ pid: admin.pid }, admin), refusedWith("CreateChatError"));
    await assert.rejects(remove({ pid: owner.pid }, admin), refusedWith("GetChatsError"));
    await assert.rejects(remove({}, plain), refusedWith("GetChatsError"));
    await assert.rejects(remove({ pid: outsider.pid }), refusedWith("CreateChatError"));
    // Nothing of the refused attempts was stored: members, their keys and the version are as before.
    const after = await membersOf(chat);
    assert.deepEqual(
      [after.version, after.keyId, after.members.map((m) => [m.pid, m.certificates.every((c) => c.hasKey)])],
      [before.version, 1, before.members.map((m) => [m.pid, true])],
    );
  });

  test("leaveChat: the member goes, rotationDue is set, and a plain member may then rotate", async () => {
    const chat = await team();
    const { membership, events } = services(storage());
    assert.deepEqual(await membership.leave(admin.identity, { token: "", chat }), { chatId: chat });
    const after = await membersOf(chat);
    assert.equal(after.rotationDue, true);
    assert.deepEqual(events.of(chat), ["removed", "changed"]);
    const rotated = await membership.rotate(plain.identity, {
      token: "",
      chat,
      keyId: 1,
      version: after.version,
      keys: epochKeys(after.members, 2),
    });
    assert.equal(rotated.keyId, 2);
    assert.equal(rotated.rotationDue, false);
  });

  test("leaveChat by a member with a waiting certificate publishes the shrunk wait list", async () => {
    const chat = await team();
    const leaver = await person(storage());
    await services(storage()).membership.add(owner.identity, {
      token: "",
      chat,
      keyId: 1,
      history: "now",
      keys: [{ pid: leaver.pid, cid: leaver.cid, keyId: 1, key: wrapped(leaver.cid, 1) }],
    });
    const renewed = await addCertificate(storage(), leaver.pid);
    await storage()
      .db.insertInto("chat_key_waits")
      .values({ chat_id: chat, certificate_id: renewed, profile_id: leaver.pid, since: now })
      .execute();
    const { membership, events } = services(storage());
    await membership.leave(leaver.identity, { token: "", chat });
    assert.deepEqual(events.of(chat), ["removed", "changed", "waitListChanged"]);
    const published = events.events.find((event) => event.kind === "waitListChanged");
    assert.deepEqual(published?.kind === "waitListChanged" && published.event.waitList, []);
  });

  test("leaveChat refusals: the owner (hand ownership over first), a personal chat, a non-member", async () => {
    const chat = await team();
    const { membership } = services(storage());
    await assert.rejects(
      membership.leave(owner.identity, { token: "", chat }),
      refusedWith("CreateChatError"),
    );
    await assert.rejects(
      membership.leave(outsider.identity, { token: "", chat }),
      refusedWith("GetChatsError"),
    );
    const personal = await createChat(storage(), plain, [outsider], ChatType.personal);
    await assert.rejects(
      membership.leave(plain.identity, { token: "", chat: personal }),
      refusedWith("CreateChatError"),
    );
  });

  test("rotateKey by a plain member without rotationDue is GetChatsError", async () => {
    const chat = await team();
    const data = await membersOf(chat);
    await assert.rejects(
      services(storage()).membership.rotate(plain.identity, {
        token: "",
        chat,
        keyId: 1,
        version: data.version,
        keys: epochKeys(data.members, 2),
      }),
      refusedWith("GetChatsError"),
    );
  });

  test("in a channel a subscriber may not rotate even while rotationDue (GetChatsError); an admin may", async () => {
    const [boss, subscriber, leaver] = [
      await person(storage()),
      await person(storage()),
      await person(storage()),
    ];
    const chat = await createChat(storage(), boss, [subscriber, leaver], ChatType.channel);
    const { membership } = services(storage());
    await membership.leave(leaver.identity, { token: "", chat });
    const seen = await membership.members(boss.identity, chat);
    assert.equal(seen.rotationDue, true);
    const request = { token: "", chat, keyId: 1, version: seen.version, keys: epochKeys(seen.members, 2) };
    await assert.rejects(membership.rotate(subscriber.identity, request), refusedWith("GetChatsError"));
    assert.equal((await membership.rotate(boss.identity, request)).keyId, 2);
  });

  test("setRole hands ownership over: the new owner is the chat's owner, the old one an admin", async () => {
    const chat = await team();
    const data = await services(storage()).membership.setRole(owner.identity, {
      token: "",
      chat,
      pid: plain.pid,
      role: "owner",
    });
    assert.deepEqual(
      data.members.map((member) => [member.pid, member.role]),
      [
        [plain.pid, "owner"],
        [owner.pid, "admin"],
        [admin.pid, "admin"],
      ],
    );
    const row = await storage()
      .db.selectFrom("chats")
      .select("owner_profile_id")
      .where("id", "=", chat)
      .executeTakeFirstOrThrow();
    assert.equal(row.owner_profile_id, plain.pid);
  });

  test("setRole refusals: an admin caller, the caller itself, a non-member, a personal chat", async () => {
    const chat = await team();
    const { membership } = services(storage());
    const setRole = (by: Person, pid: number) =>
      membership.setRole(by.identity, { token: "", chat, pid, role: "admin" });
    await assert.rejects(setRole(admin, plain.pid), refusedWith("GetChatsError"));
    await assert.rejects(setRole(owner, owner.pid), refusedWith("CreateChatError"));
    await assert.rejects(setRole(owner, outsider.pid), refusedWith("CreateChatError"));
    const pair = await createChat(storage(), owner, [outsider], ChatType.personal);
    await assert.rejects(
      membership.setRole(owner.identity, { token: "", chat: pair, pid: outsider.pid, role: "admin" }),
      refusedWith("CreateChatError"),
    );
  });

  test("a renewed certificate of a member is on the wait list with every epoch it may read", async () => {
    const chat = await team();
    const data = await membersOf(chat);
    await services(storage()).membership.rotate(owner.identity, {
      token: "",
      chat,
      keyId: 1,
      version: data.version,
      keys: epochKeys(data.members, 2),
    });
    const renewed = await addCertificate(storage(), plain.pid);
    await storage()
      .db.insertInto("chat_key_waits")
      .values({ chat_id: chat, certificate_id: renewed, profile_id: plain.pid, since: now })
      .execute();
    const after = await membersOf(chat, plain);
    assert.deepEqual(
      after.waitList.map((entry) => [entry.cid, entry.keyIds, entry.wrapWith, entry.fulfillable]),
      [[renewed, [1, 2], null, true]],
    );
  });
});
