import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeBase64, encodeBase64 } from "../../src/protocol/base64.ts";

test("standard base64 round-trips", () => {
  const bytes = new Uint8Array([0, 1, 2, 250, 251, 252, 253, 254, 255]);
  assert.deepEqual(decodeBase64(encodeBase64(bytes)), bytes);
});

test("line breaks of Android's Base64.DEFAULT are ignored", () => {
  assert.deepEqual(decodeBase64("AAEC\n+vv8\r\n"), new Uint8Array([0, 1, 2, 250, 251, 252]));
});

test("a space is read as the + that a form encoder left unescaped", () => {
  assert.deepEqual(decodeBase64("AAEC vv8"), decodeBase64("AAEC+vv8"));
});

test("URL-safe base64 without padding is accepted", () => {
  assert.deepEqual(decodeBase64("-_8"), new Uint8Array([0xfb, 0xff]));
});

test("characters outside the alphabet are refused", () => {
  assert.equal(decodeBase64("AA*A"), undefined);
  assert.equal(decodeBase64("AAAA="), undefined);
  assert.equal(decodeBase64("A"), undefined);
});
