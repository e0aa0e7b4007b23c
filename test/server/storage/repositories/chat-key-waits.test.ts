import assert from "node:assert/strict";
import { before, test } from "node:test";
import {
  findOrInsertCertificate,
  markCertificatesRevoked,
} from "../../../../src/server/storage/repositories/certificates.ts";
import {
  deleteWaits,
  deleteWaitsOfProfile,
  insertWaits,
  insertWaitsForCertificate,
  listWaits,
} from "../../../../src/server/storage/repositories/chat-key-waits.ts";
import { insertChatKeys } from "../../../../src/server/storage/repositories/chat-keys.ts";
import { insertChatMembers, MemberRole } from "../../../../src/server/storage/repositories/chats.ts";
import { describeEachBackend } from "../../../support/storage.ts";
import { certificateFields, chatOf, type Member, member, now, rotateEpoch, YEAR_MS } from "./fixtures.ts";

describeEachBackend("chat key waits", (storage) => {
  let alice: Member;
  let bob: Member;
  before(async () => {
    alice = await member(storage(), "wait-alice", "79990005001");
    bob = await member(storage(), "wait-bob", "79990005002");
  });

  let certificates = 0;
  /** Another certificate of `holder`'s profile. */
  const renewed = async (holder: Member, extra: { not_after?: number; key_agreement?: string | null } = {}) =>
    (
      await findOrInsertCertificate(
        storage().db,
        { ...certificateFields(holder.profileId, `fp-wait-${holder.profileId}-${++certificates}`), ...extra },
        now,
      )
    ).id;

  const key = (chat: string, holder: Member, certificateId: number, keyId: number) => ({
    chat_id: chat,
    key_id: keyId,
    profile_id: holder.profileId,
    certificate_id: certificateId,
    wrapped_by_certificate_id: alice.certificateId,
    wrapped_key: new Uint8Array([1]),
    created_at: now,
  });

  const waiting = async (chats: string[]) =>
    (await listWaits(storage().db, chats, now)).map((wait) => [wait.chat_id, wait.certificate_id]);

  test("insertWaits adds rows once and returns those it added", async () => {
    const chat = await chatOf(storage(), alice, [bob]);
    const wait = { chat_id: chat, certificate_id: bob.certificateId, profile_id: bob.profileId, since: now };
    assert.deepEqual(await insertWaits(storage().db, [wait]), [
      { chat_id: chat, certificate_id: bob.certificateId },
    ]);
    assert.deepEqual(await insertWaits(storage().db, [{ ...wait, since: now + 1 }]), []);
    const [row] = await listWaits(storage().db, [chat], now);
    assert.equal(row?.since, now);
  });

  test("listWaits gives the certificate, its group and the epochs it lacks, current included", async () => {
    const chat = await chatOf(storage(), alice, [bob]);
    const gost = await renewed(bob, { key_agreement: "gost2012-256:CryptoPro-A" });
    await insertChatKeys(storage().db, [key(chat, bob, gost, 1)]);
    for (const keyId of [2, 3]) await rotateEpoch(storage().db, chat, alice, keyId);
    await insertChatKeys(storage().db, [key(chat, bob, gost, 2)]);
    await insertWaits(storage().db, [
      { chat_id: chat, certificate_id: gost, profile_id: bob.profileId, since: now },
    ]);
    const [row] = await listWaits(storage().db, [chat], now);
    assert.equal(row?.certificate_id, gost);
    assert.equal(row?.profile_id, bob.profileId);
    assert.equal(row?.key_agreement, "gost2012-256:CryptoPro-A");
    assert.equal(row?.key_id, 3);
    assert.equal(row?.first_key_id, 1);
    assert.deepEqual(row?.missing_key_ids, [3]);
    assert.deepEqual(row?.der, certificateFields(0, "").der);
  });

  test("a member added from now lacks only the epochs from its first_key_id", async () => {
    const chat = await chatOf(storage(), alice, []);
    await rotateEpoch(storage().db, chat, alice, 2);
    const carol = await member(storage(), "wait-carol", "79990005003");
    await insertChatMembers(storage().db, [
      {
        chat_id: chat,
        profile_id: carol.profileId,
        role: MemberRole.member,
        joined_at: now,
        first_key_id: 2,
      },
    ]);
    await insertWaits(storage().db, [
      { chat_id: chat, certificate_id: carol.certificateId, profile_id: carol.profileId, since: now },
    ]);
    assert.deepEqual((await listWaits(storage().db, [chat], now))[0]?.missing_key_ids, [2]);
  });

  test("listWaits leaves out expired and revoked certificates", async () => {
    const chat = await chatOf(storage(), alice, [bob]);
    const expired = await renewed(bob, { not_after: now });
    const revoked = await renewed(bob);
    const valid = await renewed(bob, { not_after: now + YEAR_MS });
    await markCertificatesRevoked(storage().db, [revoked], now);
    await insertWaits(
      storage().db,
      [expired, revoked, valid].map((id) => ({
        chat_id: chat,
        certificate_id: id,
        profile_id: bob.profileId,
        since: now,
      })),
    );
    assert.deepEqual(await waiting([chat]), [[chat, valid]]);
  });

  test("deleteWaits takes the named certificates off one chat's list and counts them", async () => {
    const chat = await chatOf(storage(), alice, [bob]);
    const other = await chatOf(storage(), alice, [bob]);
    const rows = [chat, other].flatMap((id) => [
      { chat_id: id, certificate_id: alice.certificateId, profile_id: alice.profileId, since: now },
      { chat_id: id, certificate_id: bob.certificateId, profile_id: bob.profileId, since: now },
    ]);
    await insertWaits(storage().db, rows);
    assert.equal(await deleteWaits(storage().db, chat, [bob.certificateId]), 1);
    assert.equal(await deleteWaits(storage().db, chat, []), 0);
    assert.deepEqual(await waiting([chat]), [[chat, alice.certificateId]]);
    assert.equal((await waiting([other])).length, 2);
  });

  test("deleteWaitsOfProfile removes every wait of the profile in that chat and says whether there was any", async () => {
    const chat = await chatOf(storage(), alice, [bob]);
    const second = await renewed(bob);
    await insertWaits(
      storage().db,
      [bob.certificateId, second].map((id) => ({
        chat_id: chat,
        certificate_id: id,
        profile_id: bob.profileId,
        since: now,
      })),
    );
    await insertWaits(storage().db, [
      { chat_id: chat, certificate_id: alice.certificateId, profile_id: alice.profileId, since: now },
    ]);
    assert.equal(await deleteWaitsOfProfile(storage().db, chat, bob.profileId), true);
    assert.deepEqual(await waiting([chat]), [[chat, alice.certificateId]]);
    assert.equal(await deleteWaitsOfProfile(storage().db, chat, bob.profileId), false);
  });

  test("insertWaitsForCertificate adds the certificate to each chat of the profile without a current key", async () => {
    const dave = await member(storage(), "wait-dave", "79990005004");
    const keyed = await chatOf(storage(), alice, [dave]);
    const unkeyed = await chatOf(storage(), alice, [dave]);
    const rotated = await chatOf(storage(), alice, [dave]);
    await chatOf(storage(), alice, []);
    const certificate = await renewed(dave);
    await insertChatKeys(storage().db, [
      key(keyed, dave, certificate, 1),
      key(rotated, dave, certificate, 1),
    ]);
    await rotateEpoch(storage().db, rotated, alice, 2);
    const chats = await insertWaitsForCertificate(storage().db, certificate, dave.profileId, now);
    assert.deepEqual(chats.sort(), [unkeyed, rotated].sort());
    assert.deepEqual(await waiting([keyed, unkeyed, rotated]), [
      ...[unkeyed, rotated].sort().map((chat) => [chat, certificate]),
    ]);
    assert.deepEqual(await insertWaitsForCertificate(storage().db, certificate, dave.profileId, now), []);
  });
});
