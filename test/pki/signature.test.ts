import assert from "node:assert/strict";
import { constants, createPrivateKey, generateKeyPairSync, sign } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { before, test } from "node:test";
import { p256, p384, p521 } from "@noble/curves/nist.js";
import {
  decodeCertificateText,
  type ParsedCertificate,
  parseCertificate,
} from "../../src/pki/certificate.ts";
import { createPki } from "../../src/pki/create-pki.ts";
import { decodePemBlocks } from "../../src/pki/pem.ts";
import {
  CA_KEY_FILE,
  createTestCa,
  type IssueAlgorithm,
  issueTestCertificate,
} from "../../src/server/test-ca.ts";
import { leafCertificate } from "../support/pki.ts";
import { signRawForTest } from "../support/raw-sign.ts";
import { useTempDir } from "../support/temp-dir.ts";
import { readVector } from "../support/vectors.ts";

const pki = createPki();

const tempDir = useTempDir();
const data = new TextEncoder().encode("nonce: 7f3a… подпись");

interface Holder {
  cert: ParsedCertificate;
  keyPem: string;
}

const holders = new Map<string, Holder>();
let caDir = "";

before(async () => {
  caDir = join(await tempDir(), "ca");
  await createTestCa(caDir);
  for (const alg of ["ecdsa-p256", "rsa-2048", "ed25519"] as const) {
    for (const label of [alg, `${alg}-other`]) {
      const issued = await issueTestCertificate(caDir, { name: `Holder ${label}`, alg });
      holders.set(label, { cert: parseCertificate(issued.der), keyPem: issued.keyPem });
    }
  }
  // P-384 and P-521 holders: the test CA issues only P-256, so these are built directly.
  const caKey = createPrivateKey(await readFile(join(caDir, CA_KEY_FILE), "utf8"));
  for (const curve of ["P-384", "P-521"]) {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: curve });
    const der = await leafCertificate({
      subject: `Holder ${curve}`,
      spki: new Uint8Array(publicKey.export({ format: "der", type: "spki" })),
      issuerKey: caKey,
    });
    holders.set(curve, {
      cert: parseCertificate(der),
      keyPem: privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
    });
  }
});

function holder(label: string): Holder {
  const found = holders.get(label);
  assert.ok(found, label);
  return found;
}

function flipBit(bytes: Uint8Array, index: number): Uint8Array {
  const copy = new Uint8Array(bytes);
  copy[index] = (copy[index] ?? 0) ^ 0x01;
  return copy;
}

for (const [label, algorithm] of [
  ["ecdsa-p256", "ecdsa-p256-sha256"],
  ["P-384", "ecdsa-p384-sha384"],
  ["P-521", "ecdsa-p521-sha512"],
] as const) {
  for (const layout of ["der", "raw"] as const) {
    test(`an ECDSA ${label} signature in ${layout} layout verifies and reports its layout`, async () => {
      const { cert, keyPem } = holder(label);
      const result = await pki.verifyRawSignature(cert, data, signRawForTest(keyPem, data, layout));
      assert.deepEqual(result, { valid: true, algorithm, layout });
    });
  }
}

/** The same ECDSA signature with s in the other half (n − s): as valid, and what a signer that does not normalise s makes. */
function otherHalf(signature: Uint8Array, curve: typeof p256): Uint8Array {
  const parsed = curve.Signature.fromBytes(signature, "compact");
  return new curve.Signature(parsed.r, curve.Point.Fn.ORDER - parsed.s).toBytes("compact");
}

for (const [label, curve] of [
  ["ecdsa-p256", p256],
  ["P-384", p384],
  ["P-521", p521],
] as const) {
  test(`an ECDSA ${label} signature whose s is in the high half verifies (signers do not normalise s)`, async () => {
    const { cert, keyPem } = holder(label);
    const signature = signRawForTest(keyPem, data, "raw");
    const high = otherHalf(signature, curve);
    assert.equal((await pki.verifyRawSignature(cert, data, signature)).valid, true);
    assert.equal((await pki.verifyRawSignature(cert, data, high)).valid, true);
  });
}

test("an ECDSA DER signature with a byte after its SEQUENCE is invalid (DER read strictly)", async () => {
  const { cert, keyPem } = holder("ecdsa-p256");
  const signature = signRawForTest(keyPem, data, "der");
  const trailing = new Uint8Array([...signature, 0x00]);
  assert.equal((await pki.verifyRawSignature(cert, data, trailing)).valid, false);
});

test("an ECDSA signature whose r is zero is invalid, without throwing", async () => {
  const { cert } = holder("ecdsa-p256");
  const zeroR = new Uint8Array(64);
  zeroR[63] = 1;
  assert.equal((await pki.verifyRawSignature(cert, data, zeroR)).valid, false);
});

/** A certificate from the test CA for the given SubjectPublicKeyInfo, however it encodes its key. */
async function certificateForSpki(spki: Uint8Array): Promise<ParsedCertificate> {
  const caKey = createPrivateKey(await readFile(join(caDir, CA_KEY_FILE), "utf8"));
  const der = await leafCertificate({ subject: "Holder of an oddly encoded key", spki, issuerKey: caKey });
  return parseCertificate(der);
}

test("an ECDSA key written as a hybrid point (0x06/0x07) verifies nothing, as noble reads it, whatever WebCrypto would import", async () => {
  const { cert, keyPem } = holder("ecdsa-p256");
  const point = cert.certificate.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView;
  const hybrid = new Uint8Array(point);
  hybrid[0] = 0x06 | ((point.at(-1) ?? 0) & 1);
  const spki = new Uint8Array(cert.certificate.subjectPublicKeyInfo.toSchema().toBER(false));
  spki.set(hybrid, spki.length - hybrid.length);
  const hybridCert = await certificateForSpki(spki);
  const signature = signRawForTest(keyPem, data, "raw");
  assert.equal((await pki.verifyRawSignature(hybridCert, data, signature)).valid, false);
});

test("an RSA PKCS#1 v1.5 SHA-256 signature verifies as pkcs1-v1_5", async () => {
  const { cert, keyPem } = holder("rsa-2048");
  const result = await pki.verifyRawSignature(cert, data, signRawForTest(keyPem, data));
  assert.deepEqual(result, { valid: true, algorithm: "rsa-pkcs1-sha256", layout: "pkcs1-v1_5" });
});

test("an RSA-PSS SHA-256 signature verifies as pss", async () => {
  const { cert, keyPem } = holder("rsa-2048");
  const signature = sign("sha256", data, {
    key: keyPem,
    padding: constants.RSA_PKCS1_PSS_PADDING,
    saltLength: 32,
  });
  const result = await pki.verifyRawSignature(cert, data, new Uint8Array(signature));
  assert.deepEqual(result, { valid: true, algorithm: "rsa-pss-sha256", layout: "pss" });
});

test("an RSA-PSS SHA-256 signature verifies whatever its salt length, as the server's node:crypto check does", async () => {
  const { cert, keyPem } = holder("rsa-2048");
  for (const saltLength of [0, 20, 32, 64, 222]) {
    const signature = sign("sha256", data, {
      key: keyPem,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength,
    });
    const result = await pki.verifyRawSignature(cert, data, new Uint8Array(signature));
    assert.deepEqual(
      result,
      { valid: true, algorithm: "rsa-pss-sha256", layout: "pss" },
      `salt ${saltLength}`,
    );
    const other = await pki.verifyRawSignature(cert, data.subarray(1), new Uint8Array(signature));
    assert.equal(other.valid, false, `salt ${saltLength}, other data`);
  }
});

test("an Ed25519 signature verifies", async () => {
  const { cert, keyPem } = holder("ed25519");
  assert.deepEqual(await pki.verifyRawSignature(cert, data, signRawForTest(keyPem, data)), {
    valid: true,
    algorithm: "ed25519",
  });
});

for (const label of ["ecdsa-p256", "rsa-2048", "ed25519"] as const satisfies readonly IssueAlgorithm[]) {
  test(`a ${label} signature with one bit flipped is invalid`, async () => {
    const { cert, keyPem } = holder(label);
    const signature = signRawForTest(keyPem, data, "raw");
    const result = await pki.verifyRawSignature(cert, data, flipBit(signature, signature.length - 5));
    assert.equal(result.valid, false);
  });

  test(`a ${label} signature over other data is invalid`, async () => {
    const { cert, keyPem } = holder(label);
    const result = await pki.verifyRawSignature(cert, flipBit(data, 0), signRawForTest(keyPem, data));
    assert.equal(result.valid, false);
  });

  test(`a ${label} signature made with another key is invalid`, async () => {
    const { cert } = holder(label);
    const { keyPem: otherKey } = holder(`${label}-other`);
    const result = await pki.verifyRawSignature(cert, data, signRawForTest(otherKey, data));
    assert.equal(result.valid, false);
    assert.match(result.reason ?? "", /does not verify/);
  });

  test(`garbage as a ${label} signature is invalid, without throwing`, async () => {
    const { cert } = holder(label);
    for (const garbage of [
      new Uint8Array([0x30, 0x03, 0x02, 0x01]),
      new Uint8Array(64).fill(0xff),
      new Uint8Array(256),
    ]) {
      assert.equal((await pki.verifyRawSignature(cert, data, garbage)).valid, false);
    }
  });
}

test("a signature made with a key of another algorithm is invalid", async () => {
  const { cert } = holder("ecdsa-p256");
  const { keyPem } = holder("ed25519");
  assert.equal((await pki.verifyRawSignature(cert, data, signRawForTest(keyPem, data))).valid, false);
});

test("an empty signature is invalid", async () => {
  const result = await pki.verifyRawSignature(holder("ed25519").cert, data, new Uint8Array());
  assert.deepEqual(result, { valid: false, algorithm: "ed25519", reason: "empty signature" });
});

test("a signature over 1 KiB is refused before any crypto", async () => {
  const result = await pki.verifyRawSignature(holder("rsa-2048").cert, data, new Uint8Array(1025));
  assert.equal(result.valid, false);
  assert.match(result.reason ?? "", /too large/);
});

test("input that is not bytes is invalid, without throwing", async () => {
  const result = await pki.verifyRawSignature(
    holder("ed25519").cert,
    data,
    "c2lnbmF0dXJl" as unknown as Uint8Array,
  );
  assert.equal(result.valid, false);
});

test("a GOST certificate with an all-zero signature is invalid (r = s = 0)", async () => {
  const [block] = decodePemBlocks(
    readVector("gost/tk26iok/tk26iok-256-xcha-selfsigned.pem").toString("latin1"),
  );
  assert.ok(block);
  const gost = parseCertificate(block.der);
  const result = await pki.verifyRawSignature(gost, data, new Uint8Array(64));
  assert.deepEqual(result, {
    valid: false,
    algorithm: "gost2012-256-streebog256",
    reason: "signature does not verify",
  });
});

test("a GOST R 34.10-94 key is reported as an unsupported algorithm", async () => {
  const [block] = decodePemBlocks(readVector("gost-legacy/certs/rfc4491_gost94_cert.pem").toString("latin1"));
  assert.ok(block);
  const result = await pki.verifyRawSignature(parseCertificate(block.der), data, new Uint8Array(64));
  assert.match(result.reason ?? "", /^unsupported algorithm unknown/);
});

test("an acceleration's verifier handles its key algorithm, and only an exact true counts as valid", async () => {
  const gost = parseCertificate(
    decodeCertificateText(readVector("gost/infotecs-certs/long_tc_a.pem").toString("latin1")),
  );
  const pki = createPki({
    accelerations: [
      (algorithms) =>
        algorithms.setRawVerifier(["gost2012-512"], (_cert, _data, signature) => ({
          valid: (signature[0] === 1 ? true : "yes") as boolean,
          algorithm: "gost2012-512-streebog512",
        })),
    ],
  });
  assert.deepEqual(await pki.verifyRawSignature(gost, data, new Uint8Array([1])), {
    valid: true,
    algorithm: "gost2012-512-streebog512",
  });
  assert.equal((await pki.verifyRawSignature(gost, data, new Uint8Array([2]))).valid, false);
});

test("a verifier that throws yields invalid, not an exception", async () => {
  const gost = parseCertificate(
    decodeCertificateText(readVector("gost/infotecs-certs/short_tc_a.pem").toString("latin1")),
  );
  const pki = createPki({
    accelerations: [
      (algorithms) =>
        algorithms.setRawVerifier(["gost2012-256"], () => {
          throw new Error("boom");
        }),
    ],
  });
  const result = await pki.verifyRawSignature(gost, data, new Uint8Array([1]));
  assert.equal(result.valid, false);
  assert.match(result.reason ?? "", /boom/);
});
