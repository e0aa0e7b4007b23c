import assert from "node:assert/strict";
import { join } from "node:path";
import { before, test } from "node:test";
import {
  decodeCertificateText,
  type ParsedCertificate,
  parseCertificate,
} from "../../../src/pki/certificate.ts";
import { markRevokedCertificates } from "../../../src/server/services/revocation.ts";
import { findCertificateById } from "../../../src/server/storage/repositories/certificates.ts";
import { createTestCa, createTestCrl, issueTestCertificate } from "../../../src/server/test-ca.ts";
import { createIntermediateCa } from "../../support/intermediate-ca.ts";
import { trustStoreOf } from "../../support/pki.ts";
import { describeEachBackend } from "../../support/storage.ts";
import { useTempDir } from "../../support/temp-dir.ts";
import { storedCertificate } from "../storage/repositories/fixtures.ts";

const tempDir = useTempDir();

let made: Promise<Hierarchy> | undefined;

interface Hierarchy {
  rootDir: string;
  intermediateDir: string;
  root: ParsedCertificate;
  intermediate: ParsedCertificate;
}

/** A root test CA and an intermediate under it, made once. */
function hierarchy(): Promise<Hierarchy> {
  made ??= (async () => {
    const dir = await tempDir();
    const rootDir = join(dir, "root");
    const intermediateDir = join(dir, "intermediate");
    const { certPem } = await createTestCa(rootDir, { name: "Root CA" });
    const root = parseCertificate(decodeCertificateText(certPem));
    const intermediate = await createIntermediateCa(rootDir, intermediateDir, "Intermediate CA");
    return { rootDir, intermediateDir, root, intermediate };
  })();
  return made;
}

describeEachBackend("marking revoked certificates", (storage) => {
  let rootDir: string;
  let intermediateDir: string;
  let root: ParsedCertificate;
  let intermediate: ParsedCertificate;

  before(async () => {
    // One hierarchy for the file: both backends' suites share the temporary folder.
    ({ rootDir, intermediateDir, root, intermediate } = await hierarchy());
  });

  const issued = async (caDir: string, name: string) =>
    parseCertificate((await issueTestCertificate(caDir, { name })).der);

  test("a certificate under an intermediate the root's CRL revokes is marked; one the root issued is not", async () => {
    const underRevoked = await storedCertificate(
      storage(),
      "rv-under",
      await issued(intermediateDir, "Нижний Иван Иванович"),
    );
    const direct = await storedCertificate(
      storage(),
      "rv-direct",
      await issued(rootDir, "Прямой Пётр Петрович"),
    );
    const crl = await createTestCrl(rootDir, { revokedSerials: [intermediate.serialNumber] });
    const trust = trustStoreOf([root, intermediate], [crl.der]);
    assert.equal(await markRevokedCertificates(storage().db, trust, Date.now()), 1);
    assert.notEqual((await findCertificateById(storage().db, underRevoked))?.revoked_at, null);
    assert.equal((await findCertificateById(storage().db, direct))?.revoked_at, null);
  });

  test("a certificate the CRL lists by its own serial is marked", async () => {
    const leaf = await issued(rootDir, "Отозванный Олег Олегович");
    const id = await storedCertificate(storage(), "rv-leaf", leaf);
    const crl = await createTestCrl(rootDir, { revokedSerials: [leaf.serialNumber] });
    assert.equal(
      await markRevokedCertificates(storage().db, trustStoreOf([root, intermediate], [crl.der]), Date.now()),
      1,
    );
    assert.notEqual((await findCertificateById(storage().db, id))?.revoked_at, null);
  });

  test("a certificate whose CA was taken off the trust list is marked; one under a CA still listed is not", async () => {
    const orphan = await storedCertificate(
      storage(),
      "rv-orphan",
      await issued(intermediateDir, "Сиротин Олег Олегович"),
    );
    const kept = await storedCertificate(
      storage(),
      "rv-kept",
      await issued(rootDir, "Оставлен Иван Иванович"),
    );
    // No CRL at all: the intermediate is simply no longer configured.
    await markRevokedCertificates(storage().db, trustStoreOf([root]), Date.now());
    assert.notEqual((await findCertificateById(storage().db, orphan))?.revoked_at, null);
    assert.equal((await findCertificateById(storage().db, kept))?.revoked_at, null);
  });
});
