import assert from "node:assert/strict";
import { test } from "node:test";
import {
  findProfileById,
  linkProfileToUser,
  listProfilesOfUser,
  upsertProfile,
} from "../../../../src/server/storage/repositories/profiles.ts";
import { findOrCreateUser } from "../../../../src/server/storage/repositories/users.ts";
import { describeEachBackend } from "../../../support/storage.ts";
import { now, profileFields } from "./fixtures.ts";

describeEachBackend("profiles", (storage) => {
  test("upsertProfile inserts a new profile without a user", async () => {
    const profile = await upsertProfile(storage().db, profileFields("ru:11111111111:-"), now);
    assert.equal(profile.user_id, null);
    assert.equal(profile.name, "Иванов Иван Иванович");
  });

  test("upsertProfile keeps the id and takes new descriptive fields for a known key", async () => {
    const first = await upsertProfile(storage().db, profileFields("ru:22222222222:-"), now);
    const second = await upsertProfile(
      storage().db,
      { ...profileFields("ru:22222222222:-"), title: "Директор" },
      now,
    );
    assert.equal(second.id, first.id);
    assert.equal(second.title, "Директор");
  });

  test("linkProfileToUser attaches the profile and listProfilesOfUser finds it", async () => {
    const user = await findOrCreateUser(storage().db, "79990000003", now);
    const profile = await upsertProfile(storage().db, profileFields("ru:33333333333:-"), now);
    await linkProfileToUser(storage().db, profile.id, user.id);
    assert.equal((await findProfileById(storage().db, profile.id))?.user_id, user.id);
    assert.deepEqual(
      (await listProfilesOfUser(storage().db, user.id)).map((p) => p.id),
      [profile.id],
    );
  });
});
