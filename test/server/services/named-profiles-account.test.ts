// The lookup quota's account (src/server/services/named-profiles.ts lookupAccount): the person, not the phone's
// user, so that confirming another phone starts no fresh quota (test/server/http/routes/contacts.test.ts shows it
// through the API with the qualified test CA; these cover the profiles keyed otherwise).
import assert from "node:assert/strict";
import { test } from "node:test";
import { lookupAccount } from "../../../src/server/services/named-profiles.ts";

test("profiles keyed by one qualified SNILS (one person in several roles) share an account", () => {
  const own = { id: 1, profile_key: "ru:12345678964:-", snils: "12345678964" };
  const employee = { id: 2, profile_key: "ru:12345678964:1027700132195", snils: "12345678964" };
  assert.equal(lookupAccount(own), lookupAccount(employee));
});

test("a profile keyed by its DNs counts on its own, whatever SNILS its certificate carries", () => {
  // Any CA may write a SNILS: one that is not qualified must not reach (and spend) that person's quota.
  const vouched = { id: 1, profile_key: "ru:12345678964:-", snils: "12345678964" };
  const claimed = { id: 2, profile_key: "dn:CN=Corporate CA|CN=Someone", snils: "12345678964" };
  const other = { id: 3, profile_key: "dn:CN=Corporate CA|CN=Someone Else", snils: null };
  assert.notEqual(lookupAccount(claimed), lookupAccount(vouched));
  assert.notEqual(lookupAccount(claimed), lookupAccount(other));
});
