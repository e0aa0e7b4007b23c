import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { join } from "node:path";
import { before, test } from "node:test";
import { loadSigner, type Signer, signatureVerifier } from "../../src/client/index.ts";
import type { ParsedCertificate } from "../../src/pki/certificate.ts";
import { createPki, type Pki } from "../../src/pki/create-pki.ts";
import { createTestCa, issueTestCertificate } from "../../src/server/test-ca.ts";
import { leafCertificate } from "../support/pki.ts";
import { useTempDir } from "../support/temp-dir.ts";

const tempDir = useTempDir("certchat-verification-");
const data = new TextEncoder().encode("a message's plaintext");
let anna: Signer;
let boris: Signer;

before(async () => {
  const caDir = join(await tempDir(), "ca");
  await createTestCa(caDir, { alg: "ecdsa-p256" });
  const signer = async (name: string) => {
    const issued = await issueTestCertificate(caDir, { name, alg: "ecdsa-p256" });
    return loadSigner(issued.der, issued.keyPem);
  };
  anna = await signer("Иванова Анна Сергеевна");
  boris = await signer("Петров Борис Ильич");
});

/** A PKI whose raw verifications note the parsed certificate each was given. */
function watchedPki(): { pki: Pki; seen: ParsedCertificate[] } {
  const pki = createPki();
  const seen: ParsedCertificate[] = [];
  const verify = pki.verifyRawSignature.bind(pki);
  pki.verifyRawSignature = (certificate, ...rest) => {
    seen.push(certificate);
    return verify(certificate, ...rest);
  };
  return { pki, seen };
}

test("a verifier parses a certificate once, however often and from whatever copy of its bytes it checks", async () => {
  const { pki, seen } = watchedPki();
  const verifier = signatureVerifier(pki);
  const signature = await anna.sign(data);
  assert.equal(await verifier.raw(anna.certificate.slice(), data, signature), true);
  assert.equal(await verifier.raw(anna.certificate.slice(), data, signature), true);
  assert.equal(seen.length, 2);
  assert.equal(seen[0], seen[1]);
});

test("a kept certificate stands for its own bytes only: another's signature is checked against the other", async () => {
  const verifier = signatureVerifier();
  const annas = await anna.sign(data);
  const boriss = await boris.sign(data);
  assert.equal(await verifier.raw(anna.certificate, data, annas), true);
  assert.equal(await verifier.raw(boris.certificate, data, annas), false);
  assert.equal(await verifier.raw(boris.certificate, data, boriss), true);
  assert.equal(await verifier.raw(anna.certificate, data, boriss), false);
});

test("bytes that are no certificate are refused on every check, not remembered", async () => {
  const verifier = signatureVerifier();
  const broken = anna.certificate.slice(0, 40);
  const signature = await anna.sign(data);
  await assert.rejects(verifier.raw(broken, data, signature));
  await assert.rejects(verifier.raw(broken, data, signature));
  assert.equal(await verifier.raw(anna.certificate, data, signature), true);
});

/** `count` distinct certificates of about 40 KiB each (a long common name), as a hostile server may show. */
async function largeCertificates(count: number): Promise<Uint8Array[]> {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const der = await leafCertificate({
    subject: "x".repeat(40_000),
    issuer: "Some CA",
    spki: new Uint8Array(publicKey.export({ format: "der", type: "spki" })),
    issuerKey: privateKey,
  });
  // Each another last byte of the signature: other bytes, still a certificate to parse.
  return Array.from({ length: count }, (_, index) => {
    const copy = new Uint8Array(der);
    copy[copy.length - 1] = (copy.at(-1) ?? 0) ^ (index + 1);
    return copy;
  });
}

test("a verifier keeps at most 512 KiB of certificates: large ones push the others out rather than pile up", async () => {
  const { pki, seen } = watchedPki();
  const verifier = signatureVerifier(pki);
  const signature = await anna.sign(data);
  assert.equal(await verifier.raw(anna.certificate, data, signature), true);
  for (const large of await largeCertificates(16))
    assert.equal(await verifier.raw(large, data, signature), false);
  assert.equal(await verifier.raw(anna.certificate, data, signature), true);
  assert.notEqual(seen[0], seen.at(-1));
});
