import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  AddMembersRequest,
  ChatMembersRequest,
  ChatsKeysRequest,
  KeysRequest,
  LeaveChatRequest,
  RemoveMemberRequest,
  RotateKeyRequest,
  SetRoleRequest,
} from "../../../src/protocol/schemas/members.ts";
import { validated, validatedForm } from "./validate.ts";

const chat = "5f0c8a4e-2b7d-4c61-9a3e-0d2f7b1c9e11";
const key = "AAECAwQFBgcICQ==";
const sign = "c2lnbmF0dXJl";
const rows = <T>(count: number, row: T): T[] => Array.from({ length: count }, () => row);

describe("chatMembers and leaveChat requests", () => {
  test("a form with the chat id is accepted", () => {
    assert.deepEqual(validatedForm(ChatMembersRequest, `token=t&chat=${chat}`), { token: "t", chat });
    assert.deepEqual(validatedForm(LeaveChatRequest, `chat=${chat}`), { chat });
  });

  test("a chat id sent as a one-element array is read as the id", () => {
    assert.deepEqual(validated(LeaveChatRequest, { chat: [chat] }), { chat });
  });

  test("a missing chat, a chat id over 64 characters or holding a NUL is refused", () => {
    assert.equal(validated(ChatMembersRequest, {}), undefined);
    assert.equal(validated(ChatMembersRequest, { chat: "x".repeat(65) }), undefined);
    assert.equal(validated(LeaveChatRequest, { chat: "a\u0000b" }), undefined);
  });
});

describe("keys request", () => {
  test("without keyIds it asks for every epoch", () => {
    assert.deepEqual(validated(KeysRequest, { chat }), { chat });
  });

  test("an empty list asks for every epoch; a form's empty keyIds= is refused (leave the field out)", () => {
    assert.deepEqual(validated(KeysRequest, { chat, keyIds: [] }), { chat, keyIds: [] });
    assert.equal(validatedForm(KeysRequest, `chat=${chat}&keyIds=`), undefined);
  });

  test("a form's single or repeated keyIds become a list of numbers", () => {
    assert.deepEqual(validatedForm(KeysRequest, `chat=${chat}&keyIds=3`), { chat, keyIds: [3] });
    assert.deepEqual(validatedForm(KeysRequest, `chat=${chat}&keyIds=2&keyIds=3`), { chat, keyIds: [2, 3] });
  });

  test("an epoch below 1, fractional, above 2^53-1 or not a number is refused", () => {
    for (const keyId of [0, -1, 1.5, 2 ** 53, "two", null])
      assert.equal(validated(KeysRequest, { chat, keyIds: [keyId] }), undefined, String(keyId));
  });

  test("1000 epochs are accepted, 1001 refused", () => {
    assert.ok(validated(KeysRequest, { chat, keyIds: rows(1000, 1) }));
    assert.equal(validated(KeysRequest, { chat, keyIds: rows(1001, 1) }), undefined);
  });
});

describe("chatsKeys request", () => {
  const row = { chatId: chat, cid: 7, pid: 3, keyId: 2, key, sign };

  test("a row with or without keyId and sign is accepted", () => {
    assert.deepEqual(validated(ChatsKeysRequest, { keys: [row] }), { keys: [row] });
    const { keyId: _, sign: __, ...bare } = row;
    assert.deepEqual(validated(ChatsKeysRequest, { keys: [bare] }), { keys: [bare] });
  });

  test("a null or empty sign reads as unsigned (null)", () => {
    assert.deepEqual(validated(ChatsKeysRequest, { keys: [{ ...row, sign: null }] })?.keys[0]?.sign, null);
    assert.deepEqual(validated(ChatsKeysRequest, { keys: [{ ...row, sign: "" }] })?.keys[0]?.sign, null);
  });

  test("no rows, or more than 1000, are refused", () => {
    assert.equal(validated(ChatsKeysRequest, { keys: [] }), undefined);
    assert.ok(validated(ChatsKeysRequest, { keys: rows(1000, row) }));
    assert.equal(validated(ChatsKeysRequest, { keys: rows(1001, row) }), undefined);
  });

  test("a row without chatId, cid, pid or key is refused", () => {
    for (const field of ["chatId", "cid", "pid", "key"] as const) {
      const { [field]: _, ...partial } = row;
      assert.equal(validated(ChatsKeysRequest, { keys: [partial] }), undefined, field);
    }
  });

  test("a cid, pid or keyId below 1 is refused", () => {
    for (const field of ["cid", "pid", "keyId"] as const) {
      assert.equal(validated(ChatsKeysRequest, { keys: [{ ...row, [field]: 0 }] }), undefined, field);
      assert.equal(validated(ChatsKeysRequest, { keys: [{ ...row, [field]: -2 }] }), undefined, field);
    }
  });

  test("an empty key, a key over 8 KiB of base64 or a sign over 1400 characters is refused", () => {
    assert.equal(validated(ChatsKeysRequest, { keys: [{ ...row, key: "" }] }), undefined);
    assert.equal(validated(ChatsKeysRequest, { keys: [{ ...row, key: "A".repeat(8_193) }] }), undefined);
    assert.equal(validated(ChatsKeysRequest, { keys: [{ ...row, sign: "A".repeat(1_401) }] }), undefined);
  });

  test("a form cannot carry key rows: its keys field (a string) is refused", () => {
    assert.equal(validatedForm(ChatsKeysRequest, `keys=${key}`), undefined);
  });

  test("a sign that is not base64 text is refused; a wrapped (line-broken) one is accepted", () => {
    assert.equal(validated(ChatsKeysRequest, { keys: [{ ...row, sign: "!!!! not base64" }] }), undefined);
    assert.ok(validated(ChatsKeysRequest, { keys: [{ ...row, sign: "c2ln\r\nbmF0dXJl" }] }));
  });
});

describe("addMembers request", () => {
  const request = { chat, keyId: 2, history: "now", keys: [{ pid: 4, cid: 9, keyId: 2, key, sign }] };

  test("history now or all is accepted", () => {
    assert.deepEqual(validated(AddMembersRequest, request), request);
    assert.ok(validated(AddMembersRequest, { ...request, history: "all" }));
  });

  test("a key row whose sign is not base64 text is refused", () => {
    const keys = [{ ...request.keys[0], sign: "!!!! not base64" }];
    assert.equal(validated(AddMembersRequest, { ...request, keys }), undefined);
  });

  test("any other history is refused", () => {
    for (const history of ["later", "ALL", "", 1])
      assert.equal(validated(AddMembersRequest, { ...request, history }), undefined, String(history));
  });

  test("the request's keyId and each row's keyId are required", () => {
    const { keyId: _, ...withoutKeyId } = request;
    assert.equal(validated(AddMembersRequest, withoutKeyId), undefined);
    const { keyId: __, ...rowWithoutKeyId } = request.keys[0] ?? {};
    assert.equal(validated(AddMembersRequest, { ...request, keys: [rowWithoutKeyId] }), undefined);
  });

  test("a negative keyId is refused", () => {
    assert.equal(validated(AddMembersRequest, { ...request, keyId: -2 }), undefined);
  });

  test("no rows, or more than 1000, are refused", () => {
    assert.equal(validated(AddMembersRequest, { ...request, keys: [] }), undefined);
    assert.equal(validated(AddMembersRequest, { ...request, keys: rows(1001, request.keys[0]) }), undefined);
  });

  test("numbers sent as strings (as a form would) are read as numbers", () => {
    assert.equal(validated(AddMembersRequest, { ...request, keyId: "2" })?.keyId, 2);
  });
});

describe("removeMember and rotateKey requests", () => {
  const keys = [{ pid: 3, cid: 7, key, sign }];
  const removal = { chat, pid: 5, keyId: 1, version: 0, keys };

  test("version 0 (a chat never changed) is accepted", () => {
    assert.deepEqual(validated(RemoveMemberRequest, removal), removal);
    assert.deepEqual(validated(RotateKeyRequest, { chat, keyId: 1, version: 0, keys }), {
      chat,
      keyId: 1,
      version: 0,
      keys,
    });
  });

  test("a negative version, a keyId below 1 or a pid below 1 is refused", () => {
    assert.equal(validated(RemoveMemberRequest, { ...removal, version: -1 }), undefined);
    assert.equal(validated(RemoveMemberRequest, { ...removal, keyId: 0 }), undefined);
    assert.equal(validated(RemoveMemberRequest, { ...removal, pid: 0 }), undefined);
    assert.equal(validated(RotateKeyRequest, { chat, keyId: -1, version: 3, keys }), undefined);
  });

  test("the version and the keyId are required", () => {
    const { version: _, ...withoutVersion } = removal;
    const { keyId: __, ...withoutKeyId } = removal;
    assert.equal(validated(RemoveMemberRequest, withoutVersion), undefined);
    assert.equal(validated(RemoveMemberRequest, withoutKeyId), undefined);
  });

  test("a key row whose sign is not base64 text is refused", () => {
    const bad = [{ ...keys[0], sign: "!!!! not base64" }];
    assert.equal(validated(RemoveMemberRequest, { ...removal, keys: bad }), undefined);
    assert.equal(validated(RotateKeyRequest, { chat, keyId: 1, version: 0, keys: bad }), undefined);
  });

  test("no rows, or more than 1000, are refused", () => {
    assert.equal(validated(RotateKeyRequest, { chat, keyId: 1, version: 0, keys: [] }), undefined);
    const tooMany = rows(1001, keys[0]);
    assert.equal(validated(RemoveMemberRequest, { ...removal, keys: tooMany }), undefined);
  });
});

describe("setRole request", () => {
  test("owner, admin and member are accepted, from a form too", () => {
    for (const role of ["owner", "admin", "member"])
      assert.equal(validated(SetRoleRequest, { chat, pid: 5, role })?.role, role);
    assert.deepEqual(validatedForm(SetRoleRequest, `chat=${chat}&pid=5&role=admin`), {
      chat,
      pid: 5,
      role: "admin",
    });
  });

  test("any other role, a storage number or a different case included, is refused", () => {
    for (const role of ["Owner", "superuser", "", 2, null])
      assert.equal(validated(SetRoleRequest, { chat, pid: 5, role }), undefined, String(role));
  });

  test("a missing or non-positive pid is refused", () => {
    assert.equal(validated(SetRoleRequest, { chat, role: "admin" }), undefined);
    assert.equal(validated(SetRoleRequest, { chat, pid: 0, role: "admin" }), undefined);
  });
});

describe("epoch key commitment of rotateKey and removeMember", () => {
  const request = { token: "t", chat, keyId: 1, version: 0, keys: [{ pid: 1, cid: 2, key, sign }] };
  const value = Buffer.alloc(32, 1).toString("base64");

  test("is optional: absent or null begins the epoch without one", () => {
    assert.equal(validated(RotateKeyRequest, request)?.commitment, undefined);
    assert.equal(validated(RemoveMemberRequest, { ...request, pid: 3, commitment: null })?.commitment, null);
  });

  test("takes {value, sign}", () => {
    assert.deepEqual(validated(RotateKeyRequest, { ...request, commitment: { value, sign } })?.commitment, {
      value,
      sign,
    });
  });

  test("refuses a value over 64 characters, a sign over 1,400, a missing field, non-base64 text and a string", () => {
    for (const commitment of [
      { value: "A".repeat(65), sign },
      { value, sign: "A".repeat(1_401) },
      { value },
      { value: "#".repeat(44), sign },
      value,
    ])
      assert.equal(
        validated(RotateKeyRequest, { ...request, commitment }),
        undefined,
        JSON.stringify(commitment),
      );
  });
});
