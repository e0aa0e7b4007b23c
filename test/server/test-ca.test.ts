import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { decodeCertificateText, parseCertificate } from "../../src/pki/certificate.ts";
import { readGostPrivateKey } from "../../src/pki/gost/keys.ts";
import { decodePemBlocks } from "../../src/pki/pem.ts";
import { createTestCa, issueTestCertificate, writeIssued } from "../../src/server/test-ca.ts";
import { trustStoreOf } from "../support/pki.ts";
import { useTempDir } from "../support/temp-dir.ts";

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

for (const caAlg of ["gost2012-256", "gost2012-512"] as const) {
  for (const userAlg of ["gost2012-256", "gost2012-512"] as const) {
    test(`a ${caAlg} CA issues ${userAlg} certificates that chain to it`, async () => {
      const dir = await freshCaDir(`gost-${caAlg}-${userAlg}`);
      const { certPem } = await createTestCa(dir, { alg: caAlg });
      const ca = parseCertificate(decodeCertificateText(certPem));
      const user = parseCertificate(
        (await issueTestCertificate(dir, { name: "Сидоров Сидор", alg: userAlg })).der,
      );
      assert.equal(ca.keyAlgorithm, caAlg);
      assert.equal(user.keyAlgorithm, userAlg);
      assert.deepEqual(await trustStoreOf([ca]).check(user), { ok: true, qualified: false });
    });
  }
}

test("GOST keys use CryptoPro-A for 256 bits and tc26-512-A for 512 bits", async () => {
  const dir = await freshCaDir("gost-param-sets");
  await createTestCa(dir, { alg: "gost2012-256" });
  const small = await issueTestCertificate(dir, { name: "Сидоров Сидор", alg: "gost2012-256" });
  const large = await issueTestCertificate(dir, { name: "Сидоров Сидор", alg: "gost2012-512" });
  assert.equal(parseCertificate(small.der).keyParamsOid, "1.2.643.2.2.35.1");
  assert.equal(parseCertificate(large.der).keyParamsOid, "1.2.643.7.1.2.1.2.1");
});

test("a GOST private key is PKCS#8 whose privateKey is the bare little-endian scalar, as OpenSSL writes it", async () => {
  const dir = await freshCaDir("gost-pkcs8");
  const { keyPath } = await createTestCa(dir, { alg: "gost2012-256" });
  const [block] = decodePemBlocks(await readFile(keyPath, "utf8"));
  assert.equal(block?.label, "PRIVATE KEY");
  const key = readGostPrivateKey(await readFile(keyPath, "utf8"));
  assert.ok(key);
  const der = block?.der ?? new Uint8Array();
  // The last element: OCTET STRING (04), length 32, then d little-endian.
  const scalar = der.subarray(der.length - 32);
  assert.deepEqual([...der.subarray(der.length - 34, der.length - 32)], [0x04, 0x20]);
  assert.equal(Buffer.from(scalar).reverse().toString("hex"), key.d.toString(16).padStart(64, "0"));
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
