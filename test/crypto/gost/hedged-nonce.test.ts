import assert from "node:assert/strict";
import { test } from "node:test";
import { p256 } from "@noble/curves/nist.js";
import { bytesToNumberBE, numberToBytesBE } from "@noble/curves/utils.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { type HedgedNonceInput, withHedgedNonce } from "../../../src/crypto/gost/hedged-nonce.ts";

const firstNonce = (input: HedgedNonceInput): bigint => withHedgedNonce(input, ({ k }) => k);

// ---- the construction is noble's hedged RFC 6979 ------------------------------------------------

const n = p256.Point.Fn.ORDER;
const p256Key = bytesToNumberBE(sha256(new TextEncoder().encode("certchat hedged nonce test key"))) % n;

/** r of noble's ECDSA P-256 signature over a prehashed message, with the given extraEntropy. */
function nobleR(hash: Uint8Array, extraEntropy: Uint8Array): bigint {
  const signature = p256.sign(hash, numberToBytesBE(p256Key, 32), { prehash: false, extraEntropy });
  return bytesToNumberBE(signature.subarray(0, 32));
}

for (const [label, entropy] of [
  ["no entropy (plain RFC 6979)", new Uint8Array(0)],
  ["32 bytes of entropy (RFC 6979 §3.6)", sha256(new TextEncoder().encode("fresh entropy"))],
] as const) {
  test(`on P-256 with ${label} the nonce is the one noble's ECDSA uses`, () => {
    for (const message of ["sample", "test", "certchat"]) {
      const hash = sha256(new TextEncoder().encode(message));
      const k = firstNonce({ q: n, privateKey: p256Key, e: bytesToNumberBE(hash) % n, entropy });
      const r = p256.Point.BASE.multiply(k).toAffine().x % n;
      assert.equal(r, nobleR(hash, entropy), message);
    }
  });
}

// ---- range and distribution ----------------------------------------------------------------------

test("in a group of order 7 every k in [1, 6] occurs about equally often and 0 or 7 never", () => {
  const q = 7n;
  const counts = new Map<bigint, number>();
  for (let i = 0; i < 600; i++) {
    const entropy = new Uint8Array([i & 0xff, i >> 8]);
    const k = firstNonce({ q, privateKey: BigInt(1 + (i % 6)), e: BigInt(i % 7), entropy });
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  assert.deepEqual([...counts.keys()].sort(), [1n, 2n, 3n, 4n, 5n, 6n]);
  for (const [k, count] of counts) assert.ok(count > 60 && count < 140, `k = ${k} occurred ${count} times`);
});

test("k and the blinding stay in [1, q-1] when about half the candidates are ≥ q (q = 257, 9-bit candidates)", () => {
  const q = 257n;
  for (let i = 0; i < 300; i++) {
    const { k, blinding } = withHedgedNonce(
      { q, privateKey: 5n, e: BigInt(i % 257), entropy: new Uint8Array([i & 0xff, i >> 8]) },
      (candidate) => candidate,
    );
    assert.ok(k >= 1n && k < q, `k = ${k}`);
    assert.ok(blinding >= 1n && blinding < q, `blinding = ${blinding}`);
  }
});

// ---- what the nonce depends on -------------------------------------------------------------------

const base: HedgedNonceInput = {
  q: n,
  privateKey: p256Key,
  e: 12345n,
  entropy: new Uint8Array(32),
};

test("the same private key, message and entropy give the same nonce and blinding", () => {
  const twice = [0, 1].map(() => withHedgedNonce(base, (candidate) => candidate));
  assert.deepEqual(twice[0], twice[1]);
});

test("changing the private key, the message or the entropy changes the nonce", () => {
  const k = firstNonce(base);
  assert.notEqual(firstNonce({ ...base, privateKey: base.privateKey - 1n }), k);
  assert.notEqual(firstNonce({ ...base, e: base.e + 1n }), k);
  assert.notEqual(firstNonce({ ...base, entropy: new Uint8Array(32).fill(1) }), k);
});

test("a candidate the signer refuses (r = 0 or s = 0) is followed by a fresh one", () => {
  const seen: bigint[] = [];
  const accepted = withHedgedNonce(base, ({ k }) => {
    seen.push(k);
    return seen.length === 4 ? k : undefined;
  });
  assert.equal(new Set(seen).size, 4);
  assert.equal(accepted, seen[3]);
});

test("a private key outside [1, q-1] or an unreduced message representative is refused", () => {
  assert.throws(() => firstNonce({ ...base, privateKey: 0n }), /private key must be in/);
  assert.throws(() => firstNonce({ ...base, privateKey: n }), /private key must be in/);
  assert.throws(() => firstNonce({ ...base, e: n }), /message representative/);
});
