import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pairBinding } from "../../src/client/chat-binding.ts";
import { safetyCode } from "../../src/client/safety-code.ts";

describe("safetyCode", () => {
  it("gives docs/CRYPTO.md's vector (computed apart, with Python's hashlib)", () => {
    const { binding } = pairBinding(
      { pid: 7, identity: "ru:12345678901:-" },
      { pid: 3, identity: "ru:11223344595:-" },
    );
    assert.equal(binding, "pair:1e7984302dc72c98065a224ab8cedc85d0992b37c358720eabee884a7ce112ac");
    assert.equal(
      safetyCode(binding),
      "54708 68197 45244 20807 77685 32014 90178 11270 36470 18240 72053 68331",
    );
  });

  it("is the same whichever member computes it, and another for another peer", () => {
    const [anna, ivan, mallory] = [
      { pid: 1, identity: "ru:11111111111:-" },
      { pid: 2, identity: "ru:22222222222:-" },
      { pid: 3, identity: "ru:33333333333:-" },
    ];
    assert.equal(safetyCode(pairBinding(ivan, anna).binding), safetyCode(pairBinding(anna, ivan).binding));
    assert.notEqual(
      safetyCode(pairBinding(ivan, anna).binding),
      safetyCode(pairBinding(ivan, mallory).binding),
    );
  });

  it("is 12 groups of 5 digits", () => {
    assert.match(safetyCode("pair:00"), /^\d{5}( \d{5}){11}$/);
  });
});
