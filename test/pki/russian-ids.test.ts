import assert from "node:assert/strict";
import { test } from "node:test";
import { validateInn, validateOgrn, validateOgrnip, validateSnils } from "../../src/pki/russian-ids.ts";

test("a valid 10-digit INN of a legal entity passes", () => {
  assert.deepEqual(validateInn("7707083893"), { valid: true });
});

test("a 10-digit INN with a wrong check digit fails with a reason", () => {
  const result = validateInn("7707083894");
  assert.equal(result.valid, false);
  assert.match(result.reason ?? "", /check digit/);
});

test("a valid 12-digit INN of a person passes", () => {
  assert.deepEqual(validateInn("500100732259"), { valid: true });
});

test("a 12-digit INN with a wrong second check digit fails", () => {
  assert.equal(validateInn("500100732258").valid, false);
});

test("a 12-digit INN with a wrong first check digit fails", () => {
  assert.equal(validateInn("500100732249").valid, false);
});

test("a legal entity's INN written as 00 + 10 digits (older certificates) is checked as 10 digits", () => {
  assert.deepEqual(validateInn("007710474375"), { valid: true });
  assert.equal(validateInn("007710474376").valid, false);
});

test("an INN of the wrong length fails", () => {
  assert.match(validateInn("77070838").reason ?? "", /10 or 12 digits/);
});

test("an INN with non-digits fails", () => {
  assert.match(validateInn("77070838a3").reason ?? "", /digits only/);
});

test("an all-zero INN fails although its check digit adds up", () => {
  assert.equal(validateInn("0000000000").valid, false);
});

test("a valid SNILS passes, bare or in the printed form", () => {
  assert.deepEqual(validateSnils("11223344595"), { valid: true });
  assert.deepEqual(validateSnils("112-233-445 95"), { valid: true });
});

test("a SNILS with a wrong check number fails", () => {
  assert.match(validateSnils("11223344596").reason ?? "", /check number/);
});

test("a SNILS whose weighted sum is 101 has check number 00", () => {
  // 5·9 + 7·8 = 101
  assert.deepEqual(validateSnils("57000000000"), { valid: true });
});

test("a valid OGRN passes", () => {
  assert.deepEqual(validateOgrn("1027700132195"), { valid: true });
});

test("an OGRN with a wrong check digit fails", () => {
  assert.match(validateOgrn("1027700132196").reason ?? "", /check digit/);
});

test("a valid OGRNIP passes", () => {
  assert.deepEqual(validateOgrnip("304500116000157"), { valid: true });
});

test("an OGRNIP with a wrong check digit fails", () => {
  assert.equal(validateOgrnip("304500116000158").valid, false);
});

test("an OGRN given where an OGRNIP is expected fails on length", () => {
  assert.match(validateOgrnip("1027700132195").reason ?? "", /15 digits/);
});

test("the validators never throw on values that are not strings", () => {
  for (const value of [undefined, null, 42, {}, [], Symbol("x")]) {
    for (const validate of [validateInn, validateSnils, validateOgrn, validateOgrnip]) {
      assert.equal(validate(value).valid, false);
    }
  }
});
