import assert from "node:assert/strict";
import { test } from "node:test";
import { addBillingEntry, balanceOf } from "../../../../src/server/storage/repositories/billing.ts";
import { upsertProfile } from "../../../../src/server/storage/repositories/profiles.ts";
import { describeEachBackend } from "../../../support/storage.ts";
import { now, profileFields } from "./fixtures.ts";

describeEachBackend("billing", (storage) => {
  test("balanceOf is zero for a profile with no entries", async () => {
    const profile = await upsertProfile(storage().db, profileFields("dn:CA|bill0"), now);
    assert.equal(await balanceOf(storage().db, profile.id), 0);
  });

  test("balanceOf sums top-ups and charges exactly", async () => {
    const profile = await upsertProfile(storage().db, profileFields("dn:CA|bill1"), now);
    await addBillingEntry(storage().db, { profileId: profile.id, amountMinor: 29_950, reason: "topup" }, now);
    await addBillingEntry(storage().db, { profileId: profile.id, amountMinor: -50, reason: "charge" }, now);
    assert.equal(await balanceOf(storage().db, profile.id), 29_900);
  });
});
