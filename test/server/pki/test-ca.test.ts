import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { decodeCertificateText, parseCertificate } from "../../../src/server/pki/certificate.ts";
import { createTestCa, issueTestCertificate, writeIssued } from "../../../src/server/pki/test-ca.ts";
import { useTempDir } from "../../support/temp-dir.ts";

const tempDir = useTempDir();

async function freshCaDir(name: string): Promise<string> {
  return join(await tempDir(), name);
}

test("createTestCa writes ca.pem and a PKCS#8 ca-key.pem readable only by the owner", async () => {
  const dir = await freshCaDir("files");
  const { certPath, keyPath, certPem } = await createTestCa(dir);
  assert.equal(certPath, join(dir, "ca.pem"));
  assert.equal(keyPath, join(dir, "ca-key.pem"));
  assert.equal(await readFile(certPath, "utf8"), certPem);
  assert.match(await readFile(keyPath, "utf8"), /^-----BEGIN PRIVATE KEY-----/);
  assert.equal((await stat(keyPath)).mode & 0o777, 0o600);
});

test("createTestCa refuses to overwrite an existing CA", async () => {
  const dir = await freshCaDir("twice");
  const first = await createTestCa(dir);
  await assert.rejects(createTestCa(dir), /already exists/);
  assert.equal(await readFile(first.certPath, "utf8"), first.certPem);
});

test("the CA certificate carries the given name and defaults to ECDSA P-256", async () => {
  const dir = await freshCaDir("named");
  const { certPem } = await createTestCa(dir, { name: "Тестовый УЦ" });
  const ca = parseCertificate(decodeCertificateText(certPem));
  assert.equal(ca.subject.commonName, "Тестовый УЦ");
  assert.equal(ca.keyAlgorithm, "ecdsa-p256");
  assert.equal(ca.isCA, true);
});

for (const alg of ["ecdsa-p256", "rsa-2048", "ed25519"] as const) {
  test(`a ${alg} CA's certificates verify with node's X.509 under the CA key`, async () => {
    const dir = await freshCaDir(`verify-${alg}`);
    const { certPem } = await createTestCa(dir, { alg });
    const issued = await issueTestCertificate(dir, { name: "Сидоров Сидор", alg });
    const caX509 = new X509Certificate(certPem);
    assert.equal(caX509.verify(caX509.publicKey), true);
    const userX509 = new X509Certificate(issued.certPem);
    assert.equal(userX509.verify(caX509.publicKey), true);
    assert.equal(userX509.checkIssued(caX509), true);
  });
}

test("GOST issuance fails with a clear error for now", async () => {
  await assert.rejects(createTestCa(await freshCaDir("gost"), { alg: "gost2012-256" }), {
    message: "GOST issuance is not supported yet",
  });
  const dir = await freshCaDir("gost-user");
  await createTestCa(dir);
  await assert.rejects(issueTestCertificate(dir, { name: "Иванов Иван", alg: "gost2012-512" }), {
    message: "GOST issuance is not supported yet",
  });
});

test("the full name splits into SN (first word), G (the rest) and CN (the whole)", async () => {
  const dir = await freshCaDir("names");
  await createTestCa(dir);
  const cert = parseCertificate(
    (await issueTestCertificate(dir, { name: "  Иванова   Мария Петровна " })).der,
  );
  assert.equal(cert.subject.surname, "Иванова");
  assert.equal(cert.subject.givenName, "Мария Петровна");
  assert.equal(cert.subject.commonName, "Иванова Мария Петровна");
});

test("a one-word name becomes SN and CN without G", async () => {
  const dir = await freshCaDir("one-word");
  await createTestCa(dir);
  const cert = parseCertificate((await issueTestCertificate(dir, { name: "Robot" })).der);
  assert.equal(cert.subject.surname, "Robot");
  assert.equal(cert.subject.givenName, undefined);
  assert.equal(cert.subject.commonName, "Robot");
});

test("a 10-digit INN is issued as INNLE and OGRNIP, org and title are carried", async () => {
  const dir = await freshCaDir("ids");
  await createTestCa(dir);
  const issued = await issueTestCertificate(dir, {
    name: "Кузнецов Олег",
    inn: "7707083893",
    ogrnip: "304500116000157",
    org: "ИП Кузнецов",
    title: "Предприниматель",
  });
  const { subject } = parseCertificate(issued.der);
  assert.equal(subject.innle, "7707083893");
  assert.equal(subject.inn, undefined);
  assert.equal(subject.ogrnip, "304500116000157");
  assert.equal(subject.organization, "ИП Кузнецов");
  assert.equal(subject.title, "Предприниматель");
});

test("issued certificates honour the requested validity period", async () => {
  const dir = await freshCaDir("validity");
  await createTestCa(dir);
  const notBefore = new Date("2030-01-01T00:00:00Z");
  const notAfter = new Date("2031-01-01T00:00:00Z");
  const cert = parseCertificate(
    (await issueTestCertificate(dir, { name: "Future User", notBefore, notAfter })).der,
  );
  assert.equal(cert.notBefore.getTime(), notBefore.getTime());
  assert.equal(cert.notAfter.getTime(), notAfter.getTime());
});

test("writeIssued writes cert.pem and an owner-only key.pem", async () => {
  const dir = await freshCaDir("write");
  await createTestCa(dir);
  const issued = await issueTestCertificate(dir, { name: "Writer" });
  const out = join(dir, "users", "writer");
  const { certPath, keyPath } = await writeIssued(out, issued);
  assert.equal(await readFile(certPath, "utf8"), issued.certPem);
  assert.equal(await readFile(keyPath, "utf8"), issued.keyPem);
  assert.equal((await stat(keyPath)).mode & 0o777, 0o600);
});

test("issuing without a CA in the directory fails", async () => {
  await assert.rejects(issueTestCertificate(await freshCaDir("missing"), { name: "Nobody" }), /ENOENT/);
});
