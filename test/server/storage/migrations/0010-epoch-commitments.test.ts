import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import { Migrator } from "kysely";
import type { Storage } from "../../../../src/server/storage/database.ts";
import { migrateToLatest } from "../../../../src/server/storage/database.ts";
import { migrationProvider } from "../../../../src/server/storage/migrations/index.ts";
import { listEpochs } from "../../../../src/server/storage/repositories/chat-key-epochs.ts";
import { insertChat } from "../../../../src/server/storage/repositories/chats.ts";
import { describeEachBackend } from "../../../support/storage.ts";
import { member, now, rotateEpoch } from "../repositories/fixtures.ts";

async function migrateTo(storage: Storage, name: string): Promise<void> {
  const migrator = new Migrator({
    db: storage.db,
    provider: migrationProvider(storage.dialect),
    migrationTableSchema: storage.schema,
  });
  const { error } = await migrator.migrateTo(name);
  if (error) throw error;
}

describeEachBackend("migration 0010-epoch-commitments", (storage) => {
  test("down drops the commitment columns and keeps the epochs; up brings them back empty", async () => {
    const alice = await member(storage(), "commitment-migration", "79990006101");
    const chat = randomUUID();
    const commitment = {
      value: new Uint8Array(32).fill(3),
      sign: "c2ln",
      certificateId: alice.certificateId,
    };
    await insertChat(
      storage().db,
      { id: chat, type: 1, name: "G", owner_profile_id: alice.profileId, pair_key: null, created_at: now },
      commitment,
    );
    await rotateEpoch(storage().db, chat, alice, 2, { commitment });

    await migrateTo(storage(), "0009-session-ends");
    const whileDown = await storage()
      .db.selectFrom("chat_key_epochs")
      .selectAll()
      .where("chat_id", "=", chat)
      .orderBy("key_id")
      .execute();
    assert.deepEqual(
      whileDown.map((epoch) => Object.keys(epoch).filter((column) => column.startsWith("commitment"))),
      [[], []],
    );

    await migrateToLatest(storage());
    assert.deepEqual(
      (await listEpochs(storage().db, chat)).map((epoch) => [
        epoch.key_id,
        epoch.commitment,
        epoch.commitment_sign,
        epoch.commitment_certificate_id,
      ]),
      [
        [1, null, null, null],
        [2, null, null, null],
      ],
    );
  });
});
