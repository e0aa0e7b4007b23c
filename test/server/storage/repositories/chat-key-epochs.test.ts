import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { before, test } from "node:test";
import { advanceEpoch, listEpochs } from "../../../../src/server/storage/repositories/chat-key-epochs.ts";
import {
  insertChatKeys,
  listEpochKeysForCertificate,
  listKeysForCertificate,
} from "../../../../src/server/storage/repositories/chat-keys.ts";
import {
  findChatById,
  insertChat,
  setRotationDue,
} from "../../../../src/server/storage/repositories/chats.ts";
import { describeEachBackend } from "../../../support/storage.ts";
import { chatOf, type Member, member, now, rotateEpoch } from "./fixtures.ts";

describeEachBackend("chat key epochs", (storage) => {
  let alice: Member;
  before(async () => {
    alice = await member(storage(), "epoch-alice", "79990004101");
  });

  test("advanceEpoch adds the epoch, makes it current and clears rotation_due", async () => {
    const chat = await chatOf(storage(), alice, []);
    await setRotationDue(storage().db, chat, true);
    await advanceEpoch(storage().db, {
      chatId: chat,
      keyId: 2,
      afterMessageId: 42,
      by: alice.profileId,
      reason: "leave",
      now: now + 1,
    });
    const row = await findChatById(storage().db, chat);
    assert.equal(row?.key_id, 2);
    assert.equal(row?.rotation_due, 0);
    assert.deepEqual(
      (await listEpochs(storage().db, chat)).map((epoch) => [
        epoch.key_id,
        epoch.after_message_id,
        epoch.reason,
        epoch.created_by_profile_id,
      ]),
      [
        [1, 0, "create", alice.profileId],
        [2, 42, "leave", alice.profileId],
      ],
    );
  });

  test("an epoch cannot begin twice, nor skip one", async () => {
    const chat = await chatOf(storage(), alice, []);
    const epoch = {
      chatId: chat,
      keyId: 2,
      afterMessageId: 0,
      by: alice.profileId,
      reason: "rotate",
      now,
    } as const;
    await advanceEpoch(storage().db, epoch);
    await assert.rejects(advanceEpoch(storage().db, epoch), /not at epoch 1/);
    await assert.rejects(advanceEpoch(storage().db, { ...epoch, keyId: 4 }), /not at epoch 3/);
    assert.equal((await findChatById(storage().db, chat))?.key_id, 2);
    assert.equal((await listEpochs(storage().db, chat)).length, 2);
  });

  test("a key row needs its epoch to exist", async () => {
    const chat = await chatOf(storage(), alice, []);
    await assert.rejects(
      insertChatKeys(storage().db, [
        {
          chat_id: chat,
          key_id: 2,
          profile_id: alice.profileId,
          certificate_id: alice.certificateId,
          wrapped_by_certificate_id: alice.certificateId,
          wrapped_key: new Uint8Array([1]),
          created_at: now,
        },
      ]),
    );
  });

  const keyRow = (chat: string, keyId: number) => ({
    chat_id: chat,
    key_id: keyId,
    profile_id: alice.profileId,
    certificate_id: alice.certificateId,
    wrapped_by_certificate_id: alice.certificateId,
    wrapped_key: new Uint8Array([keyId]),
    created_at: now,
  });

  test("an epoch's commitment is stored with it and served with each of its key rows", async () => {
    const chat = randomUUID();
    const first = { value: new Uint8Array(32).fill(1), sign: "c2lnbjE=", certificateId: alice.certificateId };
    await insertChat(
      storage().db,
      { id: chat, type: 1, name: "G", owner_profile_id: alice.profileId, pair_key: null, created_at: now },
      first,
    );
    await rotateEpoch(storage().db, chat, alice, 2, {
      commitment: { value: new Uint8Array(32).fill(2), sign: "c2lnbjI=", certificateId: alice.certificateId },
    });
    await insertChatKeys(storage().db, [keyRow(chat, 1), keyRow(chat, 2)]);
    const rows = await listEpochKeysForCertificate(storage().db, chat, alice.certificateId);
    assert.deepEqual(
      rows.map((row) => [
        row.key_id,
        [...(row.commitment ?? [])][0],
        row.commitment_sign,
        row.commitment_certificate_id,
      ]),
      [
        [1, 1, "c2lnbjE=", alice.certificateId],
        [2, 2, "c2lnbjI=", alice.certificateId],
      ],
    );
    assert.ok(rows.every((row) => row.commitment?.length === 32 && row.commitment_der?.length));
    const [current] = await listKeysForCertificate(storage().db, [chat], alice.certificateId);
    assert.equal(current?.commitment_sign, "c2lnbjI=");
  });

  test("an epoch begun without a commitment serves its key rows with none", async () => {
    const chat = await chatOf(storage(), alice, []);
    await insertChatKeys(storage().db, [keyRow(chat, 1)]);
    const [row] = await listEpochKeysForCertificate(storage().db, chat, alice.certificateId);
    assert.equal(row?.commitment, null);
    assert.equal(row?.commitment_sign, null);
    assert.equal(row?.commitment_certificate_id, null);
    assert.equal(row?.commitment_der, null);
  });
});
