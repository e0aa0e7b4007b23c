import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ErrorCodes } from "../../../src/protocol/errors.ts";
import { ru } from "../../../web/src/i18n/ru.ts";

describe("the Russian strings", () => {
  it("have a Russian sentence for every API error code of the protocol", () => {
    const missing = ErrorCodes.filter((code) => !/[А-Яа-яЁё]/.test(ru.apiErrors[code] ?? ""));
    assert.deepEqual(missing, []);
  });

  it("have no sentence for a code the protocol does not list", () => {
    const unknown = Object.keys(ru.apiErrors).filter(
      (code) => !(ErrorCodes as readonly string[]).includes(code),
    );
    assert.deepEqual(unknown, []);
  });
});
