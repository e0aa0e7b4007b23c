/** What must never verify: altered data, signatures or keys, wrong curves, out-of-range r/s, odd sizes. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { before, test } from "node:test";
import { curveByOid } from "../../../src/crypto/gost/curves.ts";
import { encodeGostSignature } from "../../../src/crypto/gost/gost3410.ts";
import { type ParsedCertificate, parseCertificate } from "../../../src/pki/certificate.ts";
import { createPki } from "../../../src/pki/create-pki.ts";
import { createTestCa, issueTestCertificate } from "../../../src/server/test-ca.ts";
import { signRawForTest } from "../../support/raw-sign.ts";
import { useTempDir } from "../../support/temp-dir.ts";
import { flipBit, vectorCertificate } from "./support.ts";

const pki = createPki();

const tempDir = useTempDir();
const data = new TextEncoder().encode("nonce для подписи");

interface Holder {
  cert: ParsedCertificate;
  keyPem: string;
}
const holders: Record<string, Holder> = {};

before(async () => {
  const caDir = join(await tempDir(), "ca");
  await createTestCa(caDir, { alg: "gost2012-256" });
  for (const [label, alg] of [
    ["a256", "gost2012-256"],
    ["b256", "gost2012-256"],
    ["a512", "gost2012-512"],
  ] as const) {
    const issued = await issueTestCertificate(caDir, { name: `Holder ${label}`, alg });
    holders[label] = { cert: parseCertificate(issued.der), keyPem: issued.keyPem };
  }
});

function holder(label: string): Holder {
  const found = holders[label];
  assert.ok(found);
  return found;
}

test("a raw GOST signature over different data (one bit flipped) is invalid", async () => {
  const { cert, keyPem } = holder("a256");
  const result = await pki.verifyRawSignature(cert, flipBit(data, 3), signRawForTest(keyPem, data));
  assert.deepEqual(result, {
    valid: false,
    algorithm: "gost2012-256-streebog256",
    reason: "signature does not verify",
  });
});

for (const layout of ["cryptoapi", "standard"] as const) {
  test(`a raw GOST signature (${layout}) with one bit flipped is invalid`, async () => {
    const { cert, keyPem } = holder("a512");
    const signature = signRawForTest(keyPem, data, layout);
    assert.equal((await pki.verifyRawSignature(cert, data, flipBit(signature, 77))).valid, false);
  });
}

test("a raw GOST signature made with another key is invalid", async () => {
  const result = await pki.verifyRawSignature(
    holder("a256").cert,
    data,
    signRawForTest(holder("b256").keyPem, data),
  );
  assert.equal(result.valid, false);
});

test("a 512-bit key's signature checked against a 256-bit certificate is refused by size", async () => {
  const result = await pki.verifyRawSignature(
    holder("a256").cert,
    data,
    signRawForTest(holder("a512").keyPem, data),
  );
  assert.deepEqual(result, {
    valid: false,
    algorithm: "gost2012-256-streebog256",
    reason: "gost2012-256-streebog256 signatures are 64 bytes, got 128",
  });
});

for (const size of [1, 63, 65, 127]) {
  test(`a ${size}-byte signature for a 256-bit GOST key is refused before any curve arithmetic`, async () => {
    const result = await pki.verifyRawSignature(holder("a256").cert, data, new Uint8Array(size).fill(1));
    assert.match(result.reason ?? "", /signatures are 64 bytes/);
  });
}

test("r = 0 and s = q are out of range and never verify", async () => {
  const { cert } = holder("a256");
  const curve = curveByOid("1.2.643.2.2.35.1");
  for (const value of [
    { r: 0n, s: 1n },
    { r: 1n, s: curve.q },
    { r: curve.q, s: 1n },
  ]) {
    for (const layout of ["standard", "cryptoapi"] as const) {
      const signature = encodeGostSignature(value, curve, layout);
      assert.equal((await pki.verifyRawSignature(cert, data, signature)).valid, false);
    }
  }
});

test("a certificate whose TBS has one bit flipped no longer verifies under its issuer", async () => {
  const cert = vectorCertificate("gost/tk26iok/tk26iok-256-xcha-selfsigned.pem").certificate;
  const issuer = vectorCertificate("gost/tk26iok/tk26iok-256-xcha-selfsigned.pem").certificate;
  cert.tbsView = flipBit(cert.tbsView, 200);
  assert.equal(await cert.verify(issuer, pki.engine), false);
});

test("a certificate signature checked under a key of another curve is invalid", async () => {
  const cert = vectorCertificate("gost/infotecs-certs/short_cp_a.pem").certificate;
  const other = vectorCertificate("gost/infotecs-certs/short_cp_b.pem").certificate;
  assert.equal(await cert.verify(other, pki.engine), false);
});

test("a certificate signature checked under an altered public key is invalid", async () => {
  const cert = vectorCertificate("gost/infotecs-certs/short_tc_a.pem").certificate;
  const issuer = vectorCertificate("gost/infotecs-certs/short_tc_a.pem").certificate;
  const key = issuer.subjectPublicKeyInfo.subjectPublicKey;
  key.valueBlock.valueHexView = flipBit(key.valueBlock.valueHexView, 40);
  assert.equal(await cert.verify(issuer, pki.engine), false);
});

test("a 256-bit signature OID over a 512-bit key is refused", async () => {
  const cert = vectorCertificate("gost/infotecs-certs/long_tc_a.pem").certificate;
  cert.signatureAlgorithm.algorithmId = "1.2.643.7.1.1.3.2";
  assert.equal(await cert.verify(cert, pki.engine), false);
});
