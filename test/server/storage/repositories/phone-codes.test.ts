import assert from "node:assert/strict";
import { test } from "node:test";
import {
  addressSendCount,
  countAttempt,
  findPhoneCode,
  insertPhoneCode,
  markCodeConfirmed,
  phoneSendHistory,
} from "../../../../src/server/storage/repositories/phone-codes.ts";
import { upsertProfile } from "../../../../src/server/storage/repositories/profiles.ts";
import { describeEachBackend } from "../../../support/storage.ts";
import { now, profileFields } from "./fixtures.ts";

describeEachBackend("phone codes", (storage) => {
  async function newCode(phone: string, address = "10.0.0.1", createdAt = now) {
    const profile = await upsertProfile(storage().db, profileFields(`dn:CA|${phone}|${createdAt}`), now);
    return insertPhoneCode(storage().db, {
      profile_id: profile.id,
      phone,
      code: "123456",
      expires_at: createdAt + 600_000,
      client_address: address,
      created_at: createdAt,
    });
  }

  test("countAttempt allows exactly maxAttempts checks", async () => {
    const id = await newCode("79990000010");
    const outcomes = [];
    for (let i = 0; i < 6; i++) outcomes.push(await countAttempt(storage().db, id, 5));
    assert.deepEqual(outcomes, [true, true, true, true, true, false]);
    assert.equal((await findPhoneCode(storage().db, id))?.attempts, 5);
  });

  test("markCodeConfirmed succeeds only once", async () => {
    const id = await newCode("79990000011");
    assert.equal(await markCodeConfirmed(storage().db, id, now), true);
    assert.equal(await markCodeConfirmed(storage().db, id, now), false);
  });

  test("phoneSendHistory counts codes since a time and reports the last one", async () => {
    await newCode("79990000012", "10.0.0.2", now - 7_200_000);
    await newCode("79990000012", "10.0.0.2", now - 1000);
    await newCode("79990000012", "10.0.0.2", now - 500);
    const history = await phoneSendHistory(storage().db, "79990000012", now - 3_600_000);
    assert.deepEqual(history, { lastSentAt: now - 500, sentSince: 2 });
  });

  test("addressSendCount counts codes sent from one address", async () => {
    await newCode("79990000013", "10.0.0.3");
    await newCode("79990000014", "10.0.0.3");
    assert.equal(await addressSendCount(storage().db, "10.0.0.3", now - 1), 2);
  });
});
