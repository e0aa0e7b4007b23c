import assert from "node:assert/strict";
import { test } from "node:test";
import { createGost341194, gost341194, hmacGostr3411_94 } from "../../../src/crypto/gost/gost341194.ts";
import { readVectorJson } from "../../support/vectors.ts";
import { ascii, fromHex, hex, sha256Hex } from "./helpers.ts";

interface HashVector {
  id: string;
  sbox: string;
  message: string;
  message_length?: number;
  message_description?: string;
  message_sha256?: string;
  message_rfc5831_notation?: string;
  digest_rfc5831_notation?: string;
  digest: string;
}
interface HmacVector {
  id: string;
  key: string;
  message_description: string;
  message_length: number;
  mac: string;
}
const file = readVectorJson<{ vectors: HashVector[]; hmac_vectors: HmacVector[] }>(
  "gost-legacy/gost341194.json",
);

/** Messages the file describes instead of listing (gost-engine test/01-digest.t). */
function messageOf(v: HashVector): Uint8Array {
  if (/^[0-9a-f]*$/.test(v.message)) return fromHex(v.message);
  assert.equal(v.message_description, '(\'121345678\' x 7 . "1234567\\n") x 4096, "12345\\n"', v.id);
  const line = `${"121345678".repeat(7)}1234567\n`;
  return ascii(`${line.repeat(4096)}12345\n`);
}

/**
 * The empty message has two digests by design (see the file's notes): pygost and the literal RFC 5831
 * algorithm versus gost-engine/CryptoPro, which hash an extra zero block.
 */
const emptyConventionOf = (v: HashVector): "cryptopro" | "rfc5831" =>
  v.id.startsWith("pygost-") ? "rfc5831" : "cryptopro";

test("the GOST R 34.11-94 file holds 48 hash vectors and one HMAC vector", () => {
  assert.equal(file.vectors.length, 48);
  assert.equal(file.hmac_vectors.length, 1);
});

for (const v of file.vectors) {
  test(`GOST R 34.11-94 digest: ${v.id}`, () => {
    const message = messageOf(v);
    if (v.message_length !== undefined) assert.equal(message.length, v.message_length, "message length");
    if (v.message_sha256 !== undefined) assert.equal(sha256Hex(message), v.message_sha256, "rebuilt message");
    const digest = gost341194(message, { paramSet: v.sbox, emptyMessage: emptyConventionOf(v) });
    assert.equal(hex(digest), v.digest);
  });
}

test("RFC 5831 examples are the byte reversal of our input and output", () => {
  for (const v of file.vectors.filter((x) => x.digest_rfc5831_notation !== undefined)) {
    const message = fromHex(v.message_rfc5831_notation ?? "").reverse();
    const digest = gost341194(message, { paramSet: v.sbox });
    assert.equal(hex(digest.reverse()), v.digest_rfc5831_notation, v.id);
  }
});

test("the default empty-message digest is CryptoPro's (md_gost94('') = 3f25bc1f…)", () => {
  assert.equal(
    hex(gost341194(new Uint8Array(0))),
    "3f25bc1fbbce27ca10fb1958f319473ae7e17482c3b53ecf47a7e2de8aabe4c8",
  );
});

test("the literal RFC 5831 empty-message digest is available as an option", () => {
  assert.equal(
    hex(gost341194(new Uint8Array(0), { emptyMessage: "rfc5831" })),
    "981e5f3ca30c841487830f84fb433e13ac1101569b9c13584ac483234cd656c0",
  );
});

test("the default parameter set is CryptoPro and OIDs name parameter sets too", () => {
  const abc = ascii("abc");
  assert.equal(hex(gost341194(abc)), hex(gost341194(abc, { paramSet: "1.2.643.2.2.30.1" })));
  assert.equal(
    hex(gost341194(abc, { paramSet: "1.2.643.2.2.30.0" })),
    "f3134348c44fb1b2a277729e2285ebb5cb5e0f29c975bc753b70497c06a4d51d",
  );
});

test("an unknown GOST R 34.11-94 parameter set is rejected", () => {
  assert.throws(
    () => gost341194(new Uint8Array(1), { paramSet: "id-Gost28147-89-CryptoPro-A-ParamSet" }),
    /unknown parameter set/,
  );
});

test("incremental GOST R 34.11-94 gives the one-shot digest whatever the chunking", () => {
  const data = new Uint8Array(300).map((_, i) => (i * 29) & 0xff);
  const oneShot = hex(gost341194(data));
  for (const size of [1, 5, 31, 32, 33, 100]) {
    const hash = createGost341194();
    for (let i = 0; i < data.length; i += size) hash.update(data.subarray(i, i + size));
    assert.equal(hex(hash.digest()), oneShot, `chunks of ${size}`);
  }
});

for (const v of file.hmac_vectors) {
  test(`HMAC_GOSTR3411 (GOST R 34.11-94, CryptoPro): ${v.id}`, () => {
    assert.equal(v.message_description, "dgst.dat = 'Test data to digest.\\n' x 100");
    const message = ascii("Test data to digest.\n".repeat(100));
    assert.equal(message.length, v.message_length);
    assert.equal(hex(hmacGostr3411_94(fromHex(v.key), message)), v.mac);
  });
}
