import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatPhone } from "../../../web/src/ui/phone.ts";

describe("formatPhone", () => {
  it("shows a Russian number as +7 999 000-00-01", () => {
    assert.equal(formatPhone("79990000001"), "+7 999 000-00-01");
  });

  it("reads a number typed with + and separators the same way", () => {
    assert.equal(formatPhone("+7 (999) 000 00 01"), "+7 999 000-00-01");
  });

  it("shows another country's number in the international format", () => {
    assert.equal(formatPhone("4915112345678"), "+49 1511 2345678");
  });

  it("leaves text that is not a phone number as it is", () => {
    assert.equal(formatPhone("не номер"), "не номер");
  });
});
