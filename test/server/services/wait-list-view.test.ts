import assert from "node:assert/strict";
import { before, test } from "node:test";
import { ChatType } from "../../../src/protocol/schemas/chats.ts";
import { chatMembersData, waitListEvents, waitListsOf } from "../../../src/server/services/wait-list-view.ts";
import { describeEachBackend } from "../../support/storage.ts";
import { addCertificate, createChat, now, type Person, person, services } from "./membership-fixtures.ts";

describeEachBackend("wait-list-view", (storage) => {
  let owner: Person;
  let admin: Person;
  let bob: Person;
  let carol: Person;
  let channel: string;

  async function wait(chat: string, who: Person): Promise<void> {
    const cid = await addCertificate(storage(), who.pid);
    await storage()
      .db.insertInto("chat_key_waits")
      .values({ chat_id: chat, certificate_id: cid, profile_id: who.pid, since: now })
      .execute();
  }

  /** A channel of owner, admin and subscribers Bob and Carol, each with a renewed certificate waiting. */
  before(async () => {
    [owner, admin, bob, carol] = [
      await person(storage()),
      await person(storage()),
      await person(storage()),
      await person(storage()),
    ];
    channel = await createChat(storage(), owner, [admin, bob, carol], ChatType.channel);
    await services(storage()).membership.setRole(owner.identity, {
      token: "",
      chat: channel,
      pid: admin.pid,
      role: "admin",
    });
    for (const who of [owner, admin, bob, carol]) await wait(channel, who);
  });

  const pids = (entries: readonly { pid: number }[]) =>
    [...new Set(entries.map((entry) => entry.pid))].sort();

  test("a channel subscriber's chatMembers lists the owner, the admins and itself, and only their waits", async () => {
    const data = await chatMembersData(storage().db, channel, now, bob.pid);
    const visible = [owner.pid, admin.pid, bob.pid].sort();
    assert.deepEqual([pids(data.members), pids(data.waitList)], [visible, visible]);
  });

  test("the owner and the admins of a channel see every member and every wait", async () => {
    const everyone = [owner.pid, admin.pid, bob.pid, carol.pid].sort();
    for (const viewer of [owner, admin]) {
      const data = await chatMembersData(storage().db, channel, now, viewer.pid);
      assert.deepEqual([pids(data.members), pids(data.waitList)], [everyone, everyone]);
    }
  });

  test("a group member sees every member and every wait", async () => {
    const group = await createChat(storage(), owner, [bob, carol]);
    await wait(group, carol);
    const data = await chatMembersData(storage().db, group, now, bob.pid);
    assert.deepEqual(
      [pids(data.members), pids(data.waitList)],
      [[owner.pid, bob.pid, carol.pid].sort(), [carol.pid]],
    );
  });

  test("the chat list's wait list of a channel subscriber holds the owner's, admins' and its own waits only", async () => {
    const lists = await waitListsOf(storage().db, [channel], now, carol.pid);
    assert.deepEqual(pids(lists.get(channel) ?? []), [owner.pid, admin.pid, carol.pid].sort());
  });

  test("chatWaitList in a channel: the whole list to the owner and admins, to each subscriber its own view", async () => {
    const deliveries = await waitListEvents(storage().db, channel, now);
    const seenBy = new Map<number, number[]>();
    for (const { memberIds, event } of deliveries) {
      for (const pid of memberIds) {
        assert.equal(seenBy.has(pid), false, `profile ${pid} gets two wait lists`);
        seenBy.set(pid, pids(event.waitList));
      }
    }
    const staff = [owner.pid, admin.pid];
    assert.deepEqual(
      [owner, admin, bob, carol].map((who) => seenBy.get(who.pid)),
      [
        [...staff, bob.pid, carol.pid].sort(),
        [...staff, bob.pid, carol.pid].sort(),
        [...staff, bob.pid].sort(),
        [...staff, carol.pid].sort(),
      ],
    );
  });
});
