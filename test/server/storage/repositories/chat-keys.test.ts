import assert from "node:assert/strict";
import { before, test } from "node:test";
import { findOrInsertCertificate } from "../../../../src/server/storage/repositories/certificates.ts";
import {
  deleteKeysOfProfile,
  insertChatKeys,
  insertChatKeysIfAbsent,
  listCurrentKeyHolders,
  listEpochKeysForCertificate,
  listKeysForCertificate,
  type NewChatKey,
} from "../../../../src/server/storage/repositories/chat-keys.ts";
import { isUniqueViolation } from "../../../../src/server/storage/repositories/constraint-errors.ts";
import { describeEachBackend } from "../../../support/storage.ts";
import { certificateFields, chatOf, type Member, member, now, rotateEpoch } from "./fixtures.ts";

describeEachBackend("chat keys", (storage) => {
  let alice: Member;
  let bob: Member;
  before(async () => {
    alice = await member(storage(), "key-alice", "79990003001");
    bob = await member(storage(), "key-bob", "79990003002");
  });

  /** A key row of `holder`'s certificate wrapped by alice; the key byte tells rows apart. */
  const key = (
    chat: string,
    holder: Member,
    keyId: number,
    byte: number,
    extra: Partial<NewChatKey> = {},
  ) => ({
    chat_id: chat,
    key_id: keyId,
    profile_id: holder.profileId,
    certificate_id: holder.certificateId,
    wrapped_by_certificate_id: alice.certificateId,
    wrapped_key: new Uint8Array([byte]),
    created_at: now,
    ...extra,
  });

  const rotate = (chat: string, keyId: number) => rotateEpoch(storage().db, chat, alice, keyId);

  test("keys are found per certificate with the wrapping certificate and the signature", async () => {
    const id = await chatOf(storage(), alice, [bob]);
    await insertChatKeys(storage().db, [key(id, alice, 1, 7), key(id, bob, 1, 8, { sign: "c2ln" })]);
    const [found] = await listKeysForCertificate(storage().db, [id], bob.certificateId);
    assert.equal(found?.profile_id, bob.profileId);
    assert.equal(found?.key_id, 1);
    assert.equal(found?.sign, "c2ln");
    assert.equal(found?.wrapped_by_profile_id, alice.profileId);
    assert.equal(found?.wrapped_by_certificate_id, alice.certificateId);
    assert.deepEqual(new Uint8Array(found?.wrapped_key ?? []), new Uint8Array([8]));
    assert.deepEqual(new Uint8Array(found?.wrapped_by_der ?? []), certificateFields(0, "").der);
  });

  test("a second key for one (chat, certificate, epoch) is a unique violation; another epoch is not", async () => {
    const id = await chatOf(storage(), alice, [bob]);
    await insertChatKeys(storage().db, [key(id, bob, 1, 1)]);
    await assert.rejects(insertChatKeys(storage().db, [key(id, bob, 1, 2)]), (error) =>
      isUniqueViolation(error),
    );
    await rotate(id, 2);
    await insertChatKeys(storage().db, [key(id, bob, 2, 3)]);
  });

  test("listKeysForCertificate gives the current epoch's key only", async () => {
    const id = await chatOf(storage(), alice, [bob]);
    await insertChatKeys(storage().db, [key(id, bob, 1, 1)]);
    await rotate(id, 2);
    assert.deepEqual(await listKeysForCertificate(storage().db, [id], bob.certificateId), []);
    await insertChatKeys(storage().db, [key(id, bob, 2, 2)]);
    const keys = await listKeysForCertificate(storage().db, [id], bob.certificateId);
    assert.deepEqual(
      keys.map((row) => [row.key_id, [...new Uint8Array(row.wrapped_key)]]),
      [[2, [2]]],
    );
  });

  test("listEpochKeysForCertificate gives every epoch, or those asked for, oldest first", async () => {
    const id = await chatOf(storage(), alice, [bob]);
    await insertChatKeys(storage().db, [key(id, bob, 1, 1)]);
    await rotate(id, 2);
    await rotate(id, 3);
    await insertChatKeys(storage().db, [key(id, bob, 3, 3), key(id, alice, 3, 9)]);
    const epochs = async (keyIds?: number[]) =>
      (await listEpochKeysForCertificate(storage().db, id, bob.certificateId, keyIds)).map(
        (row) => row.key_id,
      );
    assert.deepEqual(await epochs(), [1, 3]);
    assert.deepEqual(await epochs([3, 2]), [3]);
    assert.deepEqual(await epochs([]), []);
  });

  test("insertChatKeysIfAbsent stores new rows, skips existing ones and returns what it stored", async () => {
    const id = await chatOf(storage(), alice, [bob]);
    await insertChatKeys(storage().db, [key(id, bob, 1, 1)]);
    const stored = await insertChatKeysIfAbsent(storage().db, [key(id, bob, 1, 2), key(id, alice, 1, 3)]);
    assert.deepEqual(stored, [
      { chat_id: id, key_id: 1, certificate_id: alice.certificateId, profile_id: alice.profileId },
    ]);
    const [kept] = await listKeysForCertificate(storage().db, [id], bob.certificateId);
    assert.deepEqual([...new Uint8Array(kept?.wrapped_key ?? [])], [1]);
    assert.deepEqual(await insertChatKeysIfAbsent(storage().db, []), []);
  });

  test("listCurrentKeyHolders lists the certificates holding the current epoch's key", async () => {
    const id = await chatOf(storage(), alice, [bob]);
    const gost = await findOrInsertCertificate(
      storage().db,
      { ...certificateFields(bob.profileId, "fp-key-bob-gost"), key_agreement: "gost2012-256:CryptoPro-A" },
      now,
    );
    await insertChatKeys(storage().db, [key(id, alice, 1, 1), key(id, bob, 1, 2)]);
    await rotate(id, 2);
    await insertChatKeys(storage().db, [
      key(id, alice, 2, 3),
      key(id, bob, 2, 4, { certificate_id: gost.id }),
    ]);
    const holders = await listCurrentKeyHolders(storage().db, id);
    assert.deepEqual(
      holders.map((holder) => [holder.certificate_id, holder.profile_id, holder.key_agreement]),
      [
        [alice.certificateId, alice.profileId, null],
        [gost.id, bob.profileId, "gost2012-256:CryptoPro-A"],
      ],
    );
  });

  test("deleteKeysOfProfile removes the profile's rows of every epoch in that chat only", async () => {
    const id = await chatOf(storage(), alice, [bob]);
    const other = await chatOf(storage(), alice, [bob]);
    await insertChatKeys(storage().db, [key(id, alice, 1, 1), key(id, bob, 1, 2), key(other, bob, 1, 3)]);
    await rotate(id, 2);
    await insertChatKeys(storage().db, [key(id, bob, 2, 4)]);
    await deleteKeysOfProfile(storage().db, id, bob.profileId);
    assert.deepEqual(await listEpochKeysForCertificate(storage().db, id, bob.certificateId), []);
    assert.equal((await listEpochKeysForCertificate(storage().db, id, alice.certificateId)).length, 1);
    assert.equal((await listEpochKeysForCertificate(storage().db, other, bob.certificateId)).length, 1);
  });
});
