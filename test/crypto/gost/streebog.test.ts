import assert from "node:assert/strict";
import { test } from "node:test";
import { createStreebog, streebog256, streebog512 } from "../../../src/crypto/gost/streebog.ts";
import { readVectorJson } from "../../support/vectors.ts";

interface RfcVector {
  name: string;
  message_rfc_printed_hex: string;
  h512_rfc_printed_hex: string;
  h256_rfc_printed_hex: string;
}
interface WireVector {
  name: string;
  message_wire_hex: string;
  h256_wire_hex: string;
}
const vectors = readVectorJson<{ vectors: RfcVector[]; extra: WireVector[] }>("gost/streebog-rfc6986.json");

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");
const fromHex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, "hex"));
/** The RFC prints numbers most significant byte first; the bytes on the wire are the reversal. */
const fromPrinted = (text: string): Uint8Array => fromHex(text).reverse();

for (const v of vectors.vectors) {
  test(`Streebog-256 of RFC 6986 ${v.name} matches`, () => {
    assert.equal(
      hex(streebog256(fromPrinted(v.message_rfc_printed_hex))),
      hex(fromPrinted(v.h256_rfc_printed_hex)),
    );
  });
  test(`Streebog-512 of RFC 6986 ${v.name} matches`, () => {
    assert.equal(
      hex(streebog512(fromPrinted(v.message_rfc_printed_hex))),
      hex(fromPrinted(v.h512_rfc_printed_hex)),
    );
  });
}

for (const v of vectors.extra) {
  test(`Streebog-256 of the ${v.name} matches`, () => {
    assert.equal(hex(streebog256(fromHex(v.message_wire_hex))), v.h256_wire_hex);
  });
}

test("incremental Streebog gives the one-shot digest whatever the chunking", () => {
  const data = new Uint8Array(1000).map((_, i) => (i * 31 + 7) & 0xff);
  for (const size of [256, 512] as const) {
    const oneShot = hex(size === 256 ? streebog256(data) : streebog512(data));
    for (const step of [1, 7, 63, 64, 65, 200]) {
      const hash = createStreebog(size);
      for (let i = 0; i < data.length; i += step) hash.update(data.subarray(i, i + step));
      assert.equal(hex(hash.digest()), oneShot, `size ${size}, chunks of ${step}`);
    }
  }
});

test("Streebog hashes messages of exactly one block and the empty message with distinct digests", () => {
  const digests = new Set([0, 1, 63, 64, 65, 128].map((n) => hex(streebog256(new Uint8Array(n)))));
  assert.equal(digests.size, 6);
  assert.equal(streebog256(new Uint8Array(0)).length, 32);
  assert.equal(streebog512(new Uint8Array(0)).length, 64);
});

test("createStreebog rejects a digest size other than 256 or 512", () => {
  assert.throws(() => createStreebog(384 as 256), /256 or 512/);
});

test("a finished Streebog computation refuses more input", () => {
  const hash = createStreebog(256);
  hash.digest();
  assert.throws(() => hash.update(new Uint8Array(1)), /after digest/);
  assert.throws(() => hash.digest(), /twice/);
});
