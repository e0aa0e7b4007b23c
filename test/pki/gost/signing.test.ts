import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeGostSignature, verifyGostDigest } from "../../../src/crypto/gost/gost3410.ts";
import { generateGostPrivateKey } from "../../../src/pki/gost/keys.ts";
import { signGostData } from "../../../src/pki/gost/signing.ts";

for (const algorithm of ["gost2012-256", "gost2012-512"] as const) {
  test(`${algorithm}: the same data signed twice uses two nonces and both signatures verify`, () => {
    const key = generateGostPrivateKey(algorithm);
    const data = new TextEncoder().encode("one message, signed twice");
    const digest = key.scheme.hash(data);
    const signatures = [0, 1].map(() => signGostData(key, data, "standard"));
    const rs = signatures.map((signature) => decodeGostSignature(signature, key.curve, "standard")?.r);
    assert.notEqual(rs[0], rs[1]);
    for (const signature of signatures) {
      assert.equal(verifyGostDigest({ curve: key.curve, publicKey: key.publicKey, digest, signature }), true);
    }
  });
}
