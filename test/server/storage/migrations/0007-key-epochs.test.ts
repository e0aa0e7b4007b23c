import assert from "node:assert/strict";
import { before, test } from "node:test";
import { Migrator, sql } from "kysely";
import { decodeCertificateText } from "../../../../src/pki/certificate.ts";
import type { Storage } from "../../../../src/server/storage/database.ts";
import { migrateToLatest } from "../../../../src/server/storage/database.ts";
import { migrationProvider } from "../../../../src/server/storage/migrations/index.ts";
import {
  findOrInsertCertificate,
  markCertificatesRevoked,
} from "../../../../src/server/storage/repositories/certificates.ts";
import { insertChatKeys } from "../../../../src/server/storage/repositories/chat-keys.ts";
import { insertChatMembers, MemberRole } from "../../../../src/server/storage/repositories/chats.ts";
import { isUniqueViolation } from "../../../../src/server/storage/repositories/constraint-errors.ts";
import { insertMessage } from "../../../../src/server/storage/repositories/messages.ts";
import { describeEachBackend } from "../../../support/storage.ts";
import { readVector } from "../../../support/vectors.ts";
import {
  certificateFields,
  chatOf,
  type Member,
  member,
  message,
  now,
  rotateEpoch,
  YEAR_MS,
} from "../repositories/fixtures.ts";

/** Runs 0007's down migration (back to 0006-audit-log). */
async function migrateDownTo0006(storage: Storage): Promise<void> {
  const migrator = new Migrator({
    db: storage.db,
    provider: migrationProvider(storage.dialect),
    migrationTableSchema: storage.schema,
  });
  const { error } = await migrator.migrateTo("0006-audit-log");
  if (error) throw error;
}

interface KeyRow {
  id: number;
  chat_id: string;
  certificate_id: number;
  wrapped_key: Uint8Array;
}

describeEachBackend("migration 0007-key-epochs", (storage) => {
  let alice: Member;
  let bob: Member;
  let group: string;
  let rotated: string;
  let renewedId: number;
  let expiredId: number;
  let revokedId: number;
  let keyIdsBefore: number[];
  let keysWhileDown: KeyRow[];
  let duplicateWhileDown: unknown;

  // Data written at 0007, taken down to 0006 and up again: the up migration backfills from 0006's shape.
  before(async () => {
    const db = storage().db;
    alice = await member(storage(), "mig-alice", "79990007001");
    bob = await member(storage(), "mig-bob", "79990007002");
    const gostDer = decodeCertificateText(readVector("gost/infotecs-certs/short_cp_a.pem"));
    await db
      .updateTable("certificates")
      .set({ der: gostDer })
      .where("id", "=", alice.certificateId)
      .execute();
    const other = (fingerprint: string, notAfter = now + YEAR_MS) =>
      findOrInsertCertificate(
        db,
        { ...certificateFields(bob.profileId, fingerprint), not_after: notAfter },
        now,
      );
    renewedId = (await other("fp-mig-bob-renewed")).id;
    // Expired before the migration runs, whenever that is.
    expiredId = (await other("fp-mig-bob-expired", 1000)).id;
    revokedId = (await other("fp-mig-bob-revoked")).id;
    await markCertificatesRevoked(db, [revokedId], now);

    group = await chatOf(storage(), alice, [bob]);
    rotated = await chatOf(storage(), alice, [bob]);
    const key = (chat: string, holder: Member, keyId: number, byte: number) => ({
      chat_id: chat,
      key_id: keyId,
      profile_id: holder.profileId,
      certificate_id: holder.certificateId,
      wrapped_by_certificate_id: alice.certificateId,
      wrapped_key: new Uint8Array([byte]),
      created_at: now,
    });
    await insertChatKeys(db, [key(group, alice, 1, 1), key(group, bob, 1, 2)]);
    await insertChatKeys(db, [key(rotated, alice, 1, 3), key(rotated, bob, 1, 4)]);
    await insertMessage(db, message(group, alice));
    await rotateEpoch(db, rotated, alice, 2);
    await insertChatKeys(db, [key(rotated, alice, 2, 5), key(rotated, bob, 2, 6)]);
    keyIdsBefore = (await db.selectFrom("chat_keys").select("id").orderBy("id").execute()).map((r) => r.id);

    await migrateDownTo0006(storage());
    keysWhileDown = (
      await sql<KeyRow>`select id, chat_id, certificate_id, wrapped_key from chat_keys order by id`.execute(
        db,
      )
    ).rows.map((row) => ({ ...row, id: Number(row.id), certificate_id: Number(row.certificate_id) }));
    duplicateWhileDown = await sql`insert into chat_keys
        (chat_id, profile_id, certificate_id, wrapped_by_certificate_id, wrapped_key, created_at)
        values (${group}, ${bob.profileId}, ${bob.certificateId}, ${bob.certificateId}, ${new Uint8Array([9])}, ${now})`
      .execute(db)
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    await migrateToLatest(storage());
  });

  test("down keeps one key per chat and certificate: the current epoch's", () => {
    const ofRotated = keysWhileDown.filter((row) => row.chat_id === rotated);
    assert.deepEqual(
      ofRotated.map((row) => [...new Uint8Array(row.wrapped_key)]),
      [[5], [6]],
    );
    assert.equal(keysWhileDown.filter((row) => row.chat_id === group).length, 2);
  });

  test("down restores the unique (chat, certificate) of 0002", () => {
    assert.ok(isUniqueViolation(duplicateWhileDown), String(duplicateWhileDown));
  });

  test("every chat gets epoch 1, migrated, from its creation", async () => {
    const epochs = await storage()
      .db.selectFrom("chat_key_epochs")
      .selectAll()
      .where("chat_id", "in", [group, rotated])
      .orderBy("chat_id")
      .execute();
    assert.equal(epochs.length, 2);
    for (const epoch of epochs) {
      assert.deepEqual(
        { ...epoch, chat_id: "" },
        {
          chat_id: "",
          key_id: 1,
          after_message_id: 0,
          created_by_profile_id: null,
          reason: "migrate",
          created_at: now,
          // Migrated epochs have no key commitment (0010): readers use their keys as before.
          commitment: null,
          commitment_sign: null,
          commitment_certificate_id: null,
        },
      );
    }
  });

  test("chats are at key_id 1, version 0, no rotation due; messages and keys are labelled 1", async () => {
    const db = storage().db;
    const chats = await db.selectFrom("chats").select(["key_id", "version", "rotation_due"]).execute();
    assert.ok(chats.length >= 2);
    assert.ok(chats.every((chat) => chat.key_id === 1 && chat.version === 0 && chat.rotation_due === 0));
    const messages = await db.selectFrom("messages").select("key_id").execute();
    assert.deepEqual(
      messages.map((row) => row.key_id),
      [1],
    );
    const keys = await db.selectFrom("chat_keys").select(["id", "key_id", "sign"]).orderBy("id").execute();
    assert.ok(keys.every((row) => row.key_id === 1 && row.sign === null));
    assert.deepEqual(
      keys.map((row) => row.id),
      keysWhileDown.map((row) => row.id),
    );
  });

  test("members keep their rows with every epoch and all history visible", async () => {
    const members = await storage()
      .db.selectFrom("chat_members")
      .select(["role", "visible_after_message_id", "first_key_id", "added_by_profile_id"])
      .where("chat_id", "=", group)
      .orderBy("role", "desc")
      .execute();
    assert.deepEqual(members, [
      { role: MemberRole.owner, visible_after_message_id: 0, first_key_id: 1, added_by_profile_id: null },
      { role: MemberRole.member, visible_after_message_id: 0, first_key_id: 1, added_by_profile_id: null },
    ]);
  });

  test("a renewed certificate without a key waits in each of its chats; expired and revoked ones do not", async () => {
    const waits = await storage()
      .db.selectFrom("chat_key_waits")
      .select(["chat_id", "certificate_id", "profile_id"])
      .orderBy("chat_id")
      .execute();
    assert.deepEqual(
      waits,
      [group, rotated]
        .sort()
        .map((chat) => ({ chat_id: chat, certificate_id: renewedId, profile_id: bob.profileId })),
    );
    assert.ok(!waits.some((wait) => wait.certificate_id === expiredId || wait.certificate_id === revokedId));
  });

  test("key_agreement is read from each stored DER: the GOST group, null for others", async () => {
    const rows = await storage()
      .db.selectFrom("certificates")
      .select(["id", "key_agreement"])
      .where("id", "in", [alice.certificateId, bob.certificateId])
      .orderBy("id")
      .execute();
    assert.deepEqual(rows, [
      { id: alice.certificateId, key_agreement: "gost2012-256:CryptoPro-A" },
      { id: bob.certificateId, key_agreement: null },
    ]);
  });

  test("a chat has one owner: a second role-2 member is a unique violation", async () => {
    await assert.rejects(
      insertChatMembers(storage().db, [
        {
          chat_id: group,
          profile_id: (await member(storage(), "mig-carol", null)).profileId,
          role: MemberRole.owner,
          joined_at: now,
        },
      ]),
      (error) => isUniqueViolation(error),
    );
  });

  test("new key rows take ids after the copied ones", async () => {
    const db = storage().db;
    await insertChatKeys(db, [
      {
        chat_id: group,
        key_id: 1,
        profile_id: bob.profileId,
        certificate_id: renewedId,
        wrapped_by_certificate_id: alice.certificateId,
        wrapped_key: new Uint8Array([7]),
        created_at: now,
      },
    ]);
    const row = await db
      .selectFrom("chat_keys")
      .select("id")
      .where("certificate_id", "=", renewedId)
      .executeTakeFirstOrThrow();
    assert.ok(row.id > Math.max(...keyIdsBefore), `${row.id}`);
  });
});
