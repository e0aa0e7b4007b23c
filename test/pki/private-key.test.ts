import assert from "node:assert/strict";
import { createPrivateKey } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { before, test } from "node:test";
import {
  decodeCertificateText,
  type ParsedCertificate,
  parseCertificate,
} from "../../src/pki/certificate.ts";
import { createPki } from "../../src/pki/create-pki.ts";
import { decodePemBlocks } from "../../src/pki/pem.ts";
import { importPrivateKey } from "../../src/pki/private-key.ts";
import { createTestCa, type IssueAlgorithm, issueTestCertificate } from "../../src/server/test-ca.ts";
import { useTempDir } from "../support/temp-dir.ts";

const tempDir = useTempDir();
const pki = createPki();
const data = new TextEncoder().encode("подпись");
const ALGORITHMS: IssueAlgorithm[] = ["ecdsa-p256", "rsa-2048", "ed25519", "gost2012-256", "gost2012-512"];
const issued = new Map<IssueAlgorithm, { cert: ParsedCertificate; keyPem: string }>();

before(async () => {
  const caDir = join(await tempDir(), "ca");
  await createTestCa(caDir);
  for (const alg of ALGORITHMS) {
    const { der, keyPem } = await issueTestCertificate(caDir, { name: "Ключев Ключ", alg });
    issued.set(alg, { cert: parseCertificate(der), keyPem });
  }
});

function holder(alg: IssueAlgorithm) {
  const found = issued.get(alg);
  assert.ok(found);
  return found;
}

for (const alg of ALGORITHMS) {
  test(`a ${alg} key read once signs raw data that verifies, and only that data`, async () => {
    const { cert, keyPem } = holder(alg);
    const signer = await importPrivateKey(keyPem);
    for (const signature of [await signer.signRaw(data), await signer.signRaw(data)]) {
      assert.equal((await pki.verifyRawSignature(cert, data, signature)).valid, true);
      assert.equal((await pki.verifyRawSignature(cert, data.subarray(1), signature)).valid, false);
    }
  });
}

test("the same key is read from PEM text, PEM bytes and PKCS#8 DER", async () => {
  const { cert, keyPem } = holder("ecdsa-p256");
  const [block] = decodePemBlocks(keyPem);
  assert.ok(block);
  for (const input of [keyPem, new TextEncoder().encode(keyPem), block.der]) {
    const signer = await importPrivateKey(input);
    assert.deepEqual(signer.pkcs8, block.der);
    assert.equal((await pki.verifyRawSignature(cert, data, await signer.signRaw(data))).valid, true);
  }
});

test("ECDSA signs DER by default and r||s on request", async () => {
  const signer = await importPrivateKey(holder("ecdsa-p256").keyPem);
  const der = await signer.signRaw(data);
  const raw = await signer.signRaw(data, "raw");
  assert.equal(der[0], 0x30);
  assert.equal(raw.length, 64);
  assert.equal((await pki.verifyRawSignature(holder("ecdsa-p256").cert, data, raw)).layout, "raw");
});

test("GOST signs in the CryptoAPI layout by default and the standard one on request", async () => {
  const { cert, keyPem } = holder("gost2012-256");
  const signer = await importPrivateKey(keyPem);
  assert.equal((await pki.verifyRawSignature(cert, data, await signer.signRaw(data))).layout, "cryptoapi");
  const standard = await signer.signRaw(data, "standard");
  assert.equal((await pki.verifyRawSignature(cert, data, standard)).layout, "standard");
});

test("as a certificate signer it signs what the issuer's key verifies", async () => {
  const caDir = join(await tempDir(), "gost-ca");
  await createTestCa(caDir, { alg: "gost2012-256" });
  const { der } = await issueTestCertificate(caDir, { name: "Подписанов П" });
  const ca = parseCertificate(decodeCertificateText(await readFile(join(caDir, "ca.pem"), "utf8")));
  assert.equal(await pki.verifyIssuedBy(parseCertificate(der), ca), true);
});

test("a text without a PRIVATE KEY block is refused", async () => {
  await assert.rejects(
    importPrivateKey("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
    /PKCS#8/,
  );
});

for (const [alg, type] of [
  ["ecdsa-p256", "sec1"],
  ["rsa-2048", "pkcs1"],
] as const) {
  test(`a ${alg} key in OpenSSL's traditional ${type} PEM is read as its PKCS#8 and signs`, async () => {
    const { cert, keyPem } = holder(alg);
    // `openssl ecparam -genkey` writes the curve's EC PARAMETERS block first.
    const parameters =
      type === "sec1" ? "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n" : "";
    const traditional = parameters + (createPrivateKey(keyPem).export({ format: "pem", type }) as string);
    const signer = await importPrivateKey(traditional);
    assert.equal((await pki.verifyRawSignature(cert, data, await signer.signRaw(data))).valid, true);
    const asPkcs8 = createPrivateKey({ key: Buffer.from(signer.pkcs8), format: "der", type: "pkcs8" });
    assert.equal(asPkcs8.equals(createPrivateKey(keyPem)), true);
  });
}
