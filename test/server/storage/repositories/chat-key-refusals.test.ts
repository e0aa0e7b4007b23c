import assert from "node:assert/strict";
import { before, test } from "node:test";
import {
  listRefusals,
  refuseKeyRows,
} from "../../../../src/server/storage/repositories/chat-key-refusals.ts";
import {
  insertChatKeys,
  listEpochKeysForCertificate,
} from "../../../../src/server/storage/repositories/chat-keys.ts";
import { describeEachBackend } from "../../../support/storage.ts";
import { chatOf, type Member, member, now, rotateEpoch } from "./fixtures.ts";

describeEachBackend("chat key refusals", (storage) => {
  let alice: Member;
  let bob: Member;
  before(async () => {
    alice = await member(storage(), "refusal-alice", "79990005101");
    bob = await member(storage(), "refusal-bob", "79990005102");
  });

  const key = (chat: string, holder: Member, keyId: number) => ({
    chat_id: chat,
    key_id: keyId,
    profile_id: holder.profileId,
    certificate_id: holder.certificateId,
    wrapped_by_certificate_id: alice.certificateId,
    wrapped_key: new Uint8Array([keyId]),
    created_at: now,
  });

  /** A chat at epoch 2 whose every member holds both epochs. */
  async function twoEpochs(): Promise<string> {
    const chat = await chatOf(storage(), alice, [bob]);
    await insertChatKeys(storage().db, [key(chat, alice, 1), key(chat, bob, 1)]);
    await rotateEpoch(storage().db, chat, alice, 2);
    await insertChatKeys(storage().db, [key(chat, alice, 2), key(chat, bob, 2)]);
    return chat;
  }

  test("refuseKeyRows deletes the certificate's rows of those epochs only and records their wrappers", async () => {
    const chat = await twoEpochs();
    const deleted = await refuseKeyRows(storage().db, chat, bob.certificateId, [2], now);
    assert.deepEqual(deleted, [
      {
        chat_id: chat,
        key_id: 2,
        certificate_id: bob.certificateId,
        wrapped_by_certificate_id: alice.certificateId,
      },
    ]);
    const epochsOf = async (holder: Member) =>
      (await listEpochKeysForCertificate(storage().db, chat, holder.certificateId))
        .map((row) => row.key_id)
        .sort();
    assert.deepEqual(await epochsOf(bob), [1]);
    assert.deepEqual(await epochsOf(alice), [1, 2]);
    assert.deepEqual(
      await listRefusals(storage().db, [chat]),
      deleted.map((row) => ({ ...row, wrapped_by_profile_id: alice.profileId })),
    );
  });

  test("refusing an epoch without a row deletes and records nothing", async () => {
    const chat = await twoEpochs();
    assert.deepEqual(await refuseKeyRows(storage().db, chat, bob.certificateId, [3], now), []);
    assert.deepEqual(await listRefusals(storage().db, [chat]), []);
  });

  test("a wrapper refused twice for one epoch and certificate is recorded once", async () => {
    const chat = await twoEpochs();
    await refuseKeyRows(storage().db, chat, bob.certificateId, [2], now);
    await insertChatKeys(storage().db, [key(chat, bob, 2)]);
    await refuseKeyRows(storage().db, chat, bob.certificateId, [2], now + 1);
    assert.equal((await listRefusals(storage().db, [chat])).length, 1);
  });
});
