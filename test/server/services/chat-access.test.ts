import assert from "node:assert/strict";
import { test } from "node:test";
import { ChatType } from "../../../src/protocol/schemas/chats.ts";
import { type MemberAction, refusalOf } from "../../../src/server/services/chat-access.ts";
import { MemberRole } from "../../../src/server/storage/repositories/chats.ts";

const { owner, admin, member } = MemberRole;
const roles = { owner, admin, member } as const;
type RoleName = keyof typeof roles;

const other = (role: number) => ({ self: false, role });
const self = (role: number) => ({ self: true, role });

/** §4.1 for groups and channels: each action by each role, and the code it is refused with ("ok": allowed). */
const matrix: { action: string; of: MemberAction; expect: Record<RoleName, string> }[] = [
  { action: "add", of: { kind: "add" }, expect: { owner: "ok", admin: "ok", member: "GetChatsError" } },
  {
    action: "remove a member",
    of: { kind: "remove", target: other(member) },
    expect: { owner: "ok", admin: "ok", member: "GetChatsError" },
  },
  {
    action: "remove an admin",
    of: { kind: "remove", target: other(admin) },
    expect: { owner: "ok", admin: "GetChatsError", member: "GetChatsError" },
  },
  {
    action: "remove the owner",
    of: { kind: "remove", target: other(owner) },
    expect: { owner: "ok", admin: "GetChatsError", member: "GetChatsError" },
  },
  {
    action: "remove oneself",
    of: { kind: "remove", target: self(admin) },
    expect: { owner: "CreateChatError", admin: "CreateChatError", member: "GetChatsError" },
  },
  {
    action: "remove a non-member",
    of: { kind: "remove", target: undefined },
    expect: { owner: "CreateChatError", admin: "CreateChatError", member: "GetChatsError" },
  },
  { action: "leave", of: { kind: "leave" }, expect: { owner: "CreateChatError", admin: "ok", member: "ok" } },
  {
    action: "set a role",
    of: { kind: "setRole", target: other(member) },
    expect: { owner: "ok", admin: "GetChatsError", member: "GetChatsError" },
  },
  {
    action: "set one's own role",
    of: { kind: "setRole", target: self(owner) },
    expect: { owner: "CreateChatError", admin: "GetChatsError", member: "GetChatsError" },
  },
  {
    action: "set a non-member's role",
    of: { kind: "setRole", target: undefined },
    expect: { owner: "CreateChatError", admin: "GetChatsError", member: "GetChatsError" },
  },
  {
    action: "rotate",
    of: { kind: "rotate", rotationDue: false },
    expect: { owner: "ok", admin: "ok", member: "GetChatsError" },
  },
];

function outcome(chatType: number, role: number, action: MemberAction): string {
  return refusalOf({ chat_type: chatType, role }, action)?.code ?? "ok";
}

for (const chatType of [ChatType.group, ChatType.channel]) {
  const chatName = chatType === ChatType.group ? "group" : "channel";
  for (const row of matrix) {
    test(`in a ${chatName}: ${row.action} — owner ${row.expect.owner}, admin ${row.expect.admin}, member ${row.expect.member}`, () => {
      const got = Object.fromEntries(
        Object.entries(roles).map(([name, role]) => [name, outcome(chatType, role, row.of)]),
      );
      assert.deepEqual(got, row.expect);
    });
  }
}

test("in a personal chat every structural change is CreateChatError and either member rotates", () => {
  for (const role of [owner, member]) {
    for (const action of [
      { kind: "add" },
      { kind: "remove", target: other(member) },
      { kind: "leave" },
      { kind: "setRole", target: other(member) },
    ] as MemberAction[]) {
      assert.equal(outcome(ChatType.personal, role, action), "CreateChatError", `${role} ${action.kind}`);
    }
    assert.equal(outcome(ChatType.personal, role, { kind: "rotate", rotationDue: false }), "ok");
    assert.equal(outcome(ChatType.personal, role, { kind: "post" }), "ok");
  }
});

test("while rotationDue a group member rotates; in a channel still only the owner and admins", () => {
  const due: MemberAction = { kind: "rotate", rotationDue: true };
  assert.deepEqual(
    [owner, admin, member].map((role) => outcome(ChatType.group, role, due)),
    ["ok", "ok", "ok"],
  );
  assert.deepEqual(
    [owner, admin, member].map((role) => outcome(ChatType.channel, role, due)),
    ["ok", "ok", "GetChatsError"],
  );
});

test("members post in groups; only the owner and admins in channels", () => {
  assert.equal(outcome(ChatType.group, member, { kind: "post" }), "ok");
  assert.equal(outcome(ChatType.channel, member, { kind: "post" }), "GetChatsError");
  assert.equal(outcome(ChatType.channel, admin, { kind: "post" }), "ok");
  assert.equal(outcome(ChatType.channel, owner, { kind: "post" }), "ok");
});
