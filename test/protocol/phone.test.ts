import assert from "node:assert/strict";
import { test } from "node:test";
import { normalizePhone } from "../../src/protocol/phone.ts";

test("the deployed client's masked form becomes digits only", () => {
  assert.equal(normalizePhone("+7 (123) 123-45-67"), "71231234567");
});

test("a Russian number with the trunk prefix 8 becomes +7", () => {
  assert.equal(normalizePhone("8 912 345-67-89"), "79123456789");
});

test("ten digits are read as a Russian number", () => {
  assert.equal(normalizePhone("9123456789"), "79123456789");
});

test("digits already in E.164 form stay as they are", () => {
  assert.equal(normalizePhone("79991234567"), "79991234567");
});

test("a foreign number with + keeps its country code", () => {
  assert.equal(normalizePhone("+1 650 253 0000"), "16502530000");
});

test("text that cannot be a phone is refused", () => {
  for (const text of ["", "12", "abc", "+7 999 123-45-67 ext", "7".repeat(41)]) {
    assert.equal(normalizePhone(text), undefined, text);
  }
});
