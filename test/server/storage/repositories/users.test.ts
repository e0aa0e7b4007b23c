import assert from "node:assert/strict";
import { test } from "node:test";
import { findOrCreateUser, findUserByPhone } from "../../../../src/server/storage/repositories/users.ts";
import { describeEachBackend } from "../../../support/storage.ts";
import { now } from "./fixtures.ts";

describeEachBackend("users", (storage) => {
  test("findOrCreateUser creates a user for a new phone", async () => {
    const user = await findOrCreateUser(storage().db, "79990000001", now);
    assert.equal(user.phone, "79990000001");
    assert.equal(typeof user.id, "number");
  });

  test("findOrCreateUser returns the same user for a known phone", async () => {
    const first = await findOrCreateUser(storage().db, "79990000002", now);
    const second = await findOrCreateUser(storage().db, "79990000002", now + 5);
    assert.equal(second.id, first.id);
  });

  test("findUserByPhone returns undefined for an unknown phone", async () => {
    assert.equal(await findUserByPhone(storage().db, "70000000000"), undefined);
  });
});
