import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { existsSync } from "node:fs";
import { describe, test } from "node:test";
import * as asn1js from "asn1js";
import { curveByOid } from "../../../src/crypto/gost/curves.ts";
import {
  encodeGostPublicKey,
  generateGostKeyPair,
  verifyGostDigest,
} from "../../../src/crypto/gost/gost3410.ts";
import { gost341194 } from "../../../src/crypto/gost/gost341194.ts";
import { gostPublicKeyFromSpki } from "../../../src/crypto/gost/spki.ts";
import { streebog256, streebog512 } from "../../../src/crypto/gost/streebog.ts";
import type { PkiAcceleration } from "../../../src/pki/algorithms.ts";
import { parseCertificate } from "../../../src/pki/certificate.ts";
import { createPki } from "../../../src/pki/create-pki.ts";
import { AttributeOid } from "../../../src/pki/oids.ts";
import { buildCertificate, buildName, randomSerialNumber } from "../../../src/pki/x509-builder.ts";
import { signerForKey } from "../../../src/server/test-ca.ts";
import {
  DEBIAN_GOST_ENGINE,
  describeGostEngine,
  gostEngineForRawSignatures,
  gostEngineKnownAnswers,
  loadGostEngine,
} from "../../../src/server/verification/gost-engine.ts";

const TC26_256_A = "1.2.643.7.1.2.1.1.1";

function gost2012_256Spki(paramSetOid: string, rawKey: Uint8Array): Uint8Array {
  const spki = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({
        value: [
          new asn1js.ObjectIdentifier({ value: "1.2.643.7.1.1.1.1" }),
          new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: paramSetOid })] }),
        ],
      }),
      new asn1js.BitString({ valueHex: new asn1js.OctetString({ valueHex: rawKey }).toBER(false) }),
    ],
  });
  return new Uint8Array(spki.toBER(false));
}

const HASHES = { "gost2012-256": streebog256, "gost2012-512": streebog512, gost2001: gost341194 } as const;

test("the engine's known answers verify with our own JS implementation too", () => {
  for (const vector of gostEngineKnownAnswers()) {
    const publicKey = gostPublicKeyFromSpki(vector.spki);
    const hash = HASHES[vector.keyAlgorithm as keyof typeof HASHES];
    const digest = hash(vector.message);
    assert.equal(
      verifyGostDigest({ curve: publicKey.curve, publicKey, digest, signature: vector.signature }),
      true,
    );
  }
});

test("without the engine the banner says JS and why", () => {
  assert.equal(describeGostEngine(loadGostEngine("off")), "JS (CERTCHAT_GOST_ENGINE=off)");
  assert.match(
    describeGostEngine(loadGostEngine({ path: "/nonexistent/gost.so" })),
    /^JS \(libengine-gost-openssl not installed/,
  );
});

/** An ECDSA-issued certificate around a given SubjectPublicKeyInfo: the engine path only needs the key. */
async function certificateWithKey(spki: Uint8Array) {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const name = buildName([{ oid: AttributeOid.commonName, value: "ГОСТ Тест" }]);
  const der = await buildCertificate(
    {
      subject: name,
      issuer: name,
      serialNumber: randomSerialNumber(),
      notBefore: new Date(Date.now() - 3_600_000),
      notAfter: new Date(Date.now() + 3_600_000),
      spki,
      isCA: false,
      keyUsage: { digitalSignature: true },
    },
    signerForKey(privateKey),
  );
  return parseCertificate(der);
}

describe("gost-engine fast path", {
  skip: !existsSync(DEBIAN_GOST_ENGINE) && "libengine-gost-openssl not installed",
}, () => {
  test("loads, passes its self-test and verifies raw GOST signatures in both layouts", async () => {
    const status = loadGostEngine("auto");
    assert.deepEqual(status, { engine: true, path: DEBIAN_GOST_ENGINE });
    assert.match(describeGostEngine(status), /^engine \(/);
    const pki = createPki({ accelerations: [gostEngineForRawSignatures()] });
    for (const vector of gostEngineKnownAnswers()) {
      const cert = await certificateWithKey(vector.spki);
      const standard = await pki.verifyRawSignature(cert, vector.message, vector.signature);
      assert.equal(standard.valid, true, `${vector.keyAlgorithm}: ${standard.reason}`);
      assert.equal(standard.layout, "standard");
      const cryptoapi = await pki.verifyRawSignature(
        cert,
        vector.message,
        vector.signature.slice().reverse(),
      );
      assert.equal(cryptoapi.valid, true);
      assert.equal(cryptoapi.layout, "cryptoapi");
      const otherMessage = await pki.verifyRawSignature(cert, new Uint8Array([1, 2, 3]), vector.signature);
      assert.equal(otherMessage.valid, false);
    }
  });

  test("a valid signature with one junk byte appended or prepended is refused, in both layouts", async () => {
    loadGostEngine("auto");
    const pki = createPki({ accelerations: [gostEngineForRawSignatures()] });
    for (const vector of gostEngineKnownAnswers()) {
      const cert = await certificateWithKey(vector.spki);
      // The engine is in charge: without it createPublicKey cannot read the key and nothing verifies.
      assert.equal((await pki.verifyRawSignature(cert, vector.message, vector.signature)).valid, true);
      const reversed = vector.signature.slice().reverse();
      const junk = new Uint8Array([0x41]);
      const variants = {
        "standard + junk": Buffer.concat([vector.signature, junk]),
        "junk + standard": Buffer.concat([junk, vector.signature]),
        "cryptoapi + junk": Buffer.concat([reversed, junk]),
        "junk + cryptoapi": Buffer.concat([junk, reversed]),
      };
      for (const [variant, signature] of Object.entries(variants)) {
        const verdict = await pki.verifyRawSignature(cert, vector.message, new Uint8Array(signature));
        assert.equal(verdict.valid, false, `${vector.keyAlgorithm}, ${variant}`);
        assert.match(verdict.reason ?? "", /signatures are \d+ bytes, got \d+/);
      }
    }
  });

  test("a key that is not on its curve never reaches the engine", async () => {
    loadGostEngine("auto");
    const pki = createPki({ accelerations: [gostEngineForRawSignatures()] });
    const [vector] = gostEngineKnownAnswers();
    assert.ok(vector);
    const spki = vector.spki.slice();
    spki[spki.length - 1] = (spki[spki.length - 1] ?? 0) ^ 0x01; // last byte of Y
    assert.throws(() => gostPublicKeyFromSpki(spki), /not a valid point/);
    const verdict = await pki.verifyRawSignature(
      await certificateWithKey(spki),
      vector.message,
      vector.signature,
    );
    assert.equal(verdict.valid, false);
    assert.match(verdict.reason ?? "", /not a valid point/);
  });

  test("keys on cofactor-4 curves are left to the JS verifier", async () => {
    const curve = curveByOid(TC26_256_A);
    assert.equal(curve.cofactor, 4n);
    const jsCalls: string[] = [];
    const stubJs: PkiAcceleration = (algorithms) =>
      algorithms.setRawVerifier(["gost2012-256"], (cert) => {
        jsCalls.push(cert.keyParamsOid ?? "");
        return { valid: false, algorithm: "js-stub", reason: "stub" };
      });
    const pki = createPki({ accelerations: [stubJs, gostEngineForRawSignatures()] });
    const cert = await certificateWithKey(
      gost2012_256Spki(TC26_256_A, encodeGostPublicKey(generateGostKeyPair(curve).publicKey)),
    );
    const verdict = await pki.verifyRawSignature(cert, new Uint8Array([1]), new Uint8Array(64).fill(1));
    assert.equal(verdict.algorithm, "js-stub");
    assert.deepEqual(jsCalls, [TC26_256_A]);
  });
});
