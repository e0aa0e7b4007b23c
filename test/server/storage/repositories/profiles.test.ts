import assert from "node:assert/strict";
import { test } from "node:test";
import { addBillingEntry } from "../../../../src/server/storage/repositories/billing.ts";
import {
  findProfileById,
  linkProfileToUser,
  listProfilesByPhones,
  listProfilesOfUser,
  listProfilesWithPhones,
  phoneAndBalanceOf,
  upsertProfile,
} from "../../../../src/server/storage/repositories/profiles.ts";
import { findOrCreateUser } from "../../../../src/server/storage/repositories/users.ts";
import { describeEachBackend } from "../../../support/storage.ts";
import { member, now, profileFields } from "./fixtures.ts";

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

describeEachBackend("profiles with phones", (storage) => {
  test("profiles are found by phone and by id with their phone", async () => {
    const alice = await member(storage(), "phone-alice", "79990001001");
    const bob = await member(storage(), "phone-bob", "79990001002");
    const carol = await member(storage(), "phone-carol", "79990001003");
    const byPhone = await listProfilesByPhones(storage().db, ["79990001001", "79990001002", "70000000000"]);
    assert.deepEqual(
      byPhone.map((p) => p.id),
      [alice.profileId, bob.profileId],
    );
    const byId = await listProfilesWithPhones(storage().db, [carol.profileId]);
    assert.equal(byId[0]?.phone, "79990001003");
    assert.equal((await listProfilesWithPhones(storage().db, [])).length, 0);
  });

  test("phoneAndBalanceOf: the user's phone and the ledger's sum; null and 0 without them", async () => {
    const dave = await member(storage(), "phone-dave", "79990001004");
    assert.deepEqual(await phoneAndBalanceOf(storage().db, { id: dave.profileId, user_id: null }), {
      phone: null,
      balanceMinor: 0,
    });
    const profile = await findProfileById(storage().db, dave.profileId);
    assert.ok(profile);
    await addBillingEntry(
      storage().db,
      { profileId: dave.profileId, amountMinor: 1500, reason: "top-up" },
      now,
    );
    await addBillingEntry(storage().db, { profileId: dave.profileId, amountMinor: -250, reason: "fee" }, now);
    assert.deepEqual(await phoneAndBalanceOf(storage().db, profile), {
      phone: "79990001004",
      balanceMinor: 1250,
    });
  });
});
