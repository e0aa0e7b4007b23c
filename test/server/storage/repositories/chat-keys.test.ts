import assert from "node:assert/strict";
import { before, test } from "node:test";
import {
  insertChatKeys,
  listKeysForCertificate,
} from "../../../../src/server/storage/repositories/chat-keys.ts";
import { isUniqueViolation } from "../../../../src/server/storage/repositories/constraint-errors.ts";
import { describeEachBackend } from "../../../support/storage.ts";
import { certificateFields, chatOf, type Member, member, now } from "./fixtures.ts";

describeEachBackend("chat keys", (storage) => {
  let alice: Member;
  let bob: Member;
  before(async () => {
    alice = await member(storage(), "key-alice", "79990003001");
    bob = await member(storage(), "key-bob", "79990003002");
  });

  test("keys are found per certificate with the wrapping certificate", async () => {
    const id = await chatOf(storage(), alice, [bob]);
    await insertChatKeys(storage().db, [
      {
        chat_id: id,
        profile_id: alice.profileId,
        certificate_id: alice.certificateId,
        key_id: 1,
        wrapped_by_certificate_id: alice.certificateId,
        wrapped_key: new Uint8Array([7]),
        created_at: now,
      },
      {
        chat_id: id,
        profile_id: bob.profileId,
        certificate_id: bob.certificateId,
        key_id: 1,
        wrapped_by_certificate_id: alice.certificateId,
        wrapped_key: new Uint8Array([8]),
        created_at: now,
      },
    ]);
    const [key] = await listKeysForCertificate(storage().db, [id], bob.certificateId);
    assert.equal(key?.profile_id, bob.profileId);
    assert.equal(key?.wrapped_by_profile_id, alice.profileId);
    assert.deepEqual(new Uint8Array(key?.wrapped_key ?? []), new Uint8Array([8]));
    assert.deepEqual(new Uint8Array(key?.wrapped_by_der ?? []), certificateFields(0, "").der);
    await assert.rejects(
      insertChatKeys(storage().db, [
        {
          chat_id: id,
          profile_id: bob.profileId,
          certificate_id: bob.certificateId,
          key_id: 1,
          wrapped_by_certificate_id: bob.certificateId,
          wrapped_key: new Uint8Array([9]),
          created_at: now,
        },
      ]),
      (error) => isUniqueViolation(error),
    );
  });
});
