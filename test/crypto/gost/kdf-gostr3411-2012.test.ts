import assert from "node:assert/strict";
import { test } from "node:test";
import {
  hmacGostr3411_2012_256,
  hmacGostr3411_2012_512,
  kdfGostr3411_2012_256,
  kdfTreeGostr3411_2012_256,
} from "../../../src/crypto/gost/kdf-gostr3411-2012.ts";
import { readVectorJson } from "../../support/vectors.ts";

interface KdfVector {
  id: string;
  key?: string;
  message?: string;
  k_in?: string;
  label?: string;
  seed?: string;
  R?: number;
  output_length?: number;
  output: string;
}
const { vectors } = readVectorJson<{ vectors: KdfVector[] }>("gost-legacy/kdf_gostr3411_2012.json");
const byId = (id: string): KdfVector => {
  const found = vectors.find((v) => v.id === id);
  assert.ok(found, `vector ${id} present`);
  return found;
};
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");
const fromHex = (text: string | undefined): Uint8Array => new Uint8Array(Buffer.from(text ?? "", "hex"));

test("the KDF vector file holds the four vectors these tests cover", () => {
  assert.deepEqual(
    vectors.map((v) => v.id),
    [
      "hmac-gostr3411-2012-256-rfc7836",
      "hmac-gostr3411-2012-512-rfc7836",
      "kdf-gostr3411-2012-256-rfc7836",
      "kdf-tree-gostr3411-2012-256",
    ],
  );
});

test("HMAC_GOSTR3411_2012_256 matches RFC 7836", () => {
  const v = byId("hmac-gostr3411-2012-256-rfc7836");
  assert.equal(hex(hmacGostr3411_2012_256(fromHex(v.key), fromHex(v.message))), v.output);
});

test("HMAC_GOSTR3411_2012_512 matches RFC 7836", () => {
  const v = byId("hmac-gostr3411-2012-512-rfc7836");
  assert.equal(hex(hmacGostr3411_2012_512(fromHex(v.key), fromHex(v.message))), v.output);
});

test("KDF_GOSTR3411_2012_256 matches RFC 7836", () => {
  const v = byId("kdf-gostr3411-2012-256-rfc7836");
  assert.equal(hex(kdfGostr3411_2012_256(fromHex(v.k_in), fromHex(v.label), fromHex(v.seed))), v.output);
});

test("KDF_TREE_GOSTR3411_2012_256 with R = 1 and 64 output bytes matches", () => {
  const v = byId("kdf-tree-gostr3411-2012-256");
  assert.equal(v.R, 1);
  const out = kdfTreeGostr3411_2012_256(
    fromHex(v.k_in),
    fromHex(v.label),
    fromHex(v.seed),
    v.output_length ?? 0,
    1,
  );
  assert.equal(hex(out), v.output);
});

test("KDF_TREE's first block for a 32-byte output is KDF_GOSTR3411_2012_256", () => {
  const v = byId("kdf-gostr3411-2012-256-rfc7836");
  const tree = kdfTreeGostr3411_2012_256(fromHex(v.k_in), fromHex(v.label), fromHex(v.seed), 32, 1);
  assert.equal(hex(tree), v.output);
});

test("the KDFs reject a key that is not 32 bytes", () => {
  assert.throws(
    () => kdfGostr3411_2012_256(new Uint8Array(16), new Uint8Array(4), new Uint8Array(8)),
    /32 bytes/,
  );
  assert.throws(
    () => kdfTreeGostr3411_2012_256(new Uint8Array(31), new Uint8Array(4), new Uint8Array(8), 64),
    /32 bytes/,
  );
});

test("KDF_TREE rejects an output too long for its counter", () => {
  assert.throws(
    () => kdfTreeGostr3411_2012_256(new Uint8Array(32), new Uint8Array(0), new Uint8Array(0), 32 * 256, 1),
    /not possible/,
  );
});
