import assert from "node:assert/strict";
import { createPrivateKey, generateKeyPairSync } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import {
  decodeCertificateText,
  type ParsedCertificate,
  parseCertificate,
} from "../../src/pki/certificate.ts";
import { createPki } from "../../src/pki/create-pki.ts";
import { AttributeOid, ExtensionOid, KeyPurposeOid } from "../../src/pki/oids.ts";
import { encodePem } from "../../src/pki/pem.ts";
import type { TrustStore } from "../../src/pki/trust.ts";
import { buildCertificate, buildName, randomSerialNumber } from "../../src/pki/x509-builder.ts";
import {
  createTestCa,
  createTestCrl,
  type IssueAlgorithm,
  type IssueOptions,
  issueTestCertificate,
  signerForKey,
} from "../../src/server/test-ca.ts";
import { readTrustSources } from "../../src/server/trust-files.ts";
import { crlOf, makeCertificate } from "../support/authorities.ts";
import { trustStoreFromPaths, trustStoreOf } from "../support/pki.ts";
import { useTempDir } from "../support/temp-dir.ts";

const tempDir = useTempDir();
const DAY_MS = 86_400_000;

interface TestCa {
  dir: string;
  cert: ParsedCertificate;
  store: TrustStore;
}

const cas = new Map<string, Promise<TestCa>>();

/** One CA per label, made on first use. */
function testCa(label: string, alg: IssueAlgorithm = "ecdsa-p256"): Promise<TestCa> {
  let ca = cas.get(label);
  if (!ca) {
    ca = (async () => {
      const dir = join(await tempDir(), label);
      const { certPem } = await createTestCa(dir, { alg, name: `CA ${label}` });
      const cert = parseCertificate(decodeCertificateText(certPem));
      return { dir, cert, store: trustStoreOf([cert]) };
    })();
    cas.set(label, ca);
  }
  return ca;
}

async function issue(ca: TestCa, opts: Partial<IssueOptions> = {}): Promise<ParsedCertificate> {
  const issued = await issueTestCertificate(ca.dir, { name: "Петров Пётр Петрович", ...opts });
  return parseCertificate(issued.der);
}

for (const alg of ["ecdsa-p256", "rsa-2048", "ed25519"] as const) {
  test(`a ${alg} certificate issued by a trusted ${alg} CA is accepted`, async () => {
    const ca = await testCa(alg, alg);
    assert.deepEqual(await ca.store.check(await issue(ca, { alg })), { ok: true, qualified: false });
  });
}

test("a certificate issued by another CA is untrusted", async () => {
  const trusted = await testCa("trusted");
  const other = await testCa("other");
  const status = await trusted.store.check(await issue(other));
  assert.equal(status.ok, false);
  assert.equal(!status.ok && status.reason, "untrusted");
});

test("a certificate from a CA with the same name but another key is untrusted", async () => {
  const trusted = await testCa("same-name-1");
  const impostorDir = join(await tempDir(), "same-name-impostor");
  await createTestCa(impostorDir, { name: "CA same-name-1" });
  const forged = parseCertificate((await issueTestCertificate(impostorDir, { name: "Петров Пётр" })).der);
  assert.equal(forged.issuerDn, trusted.cert.subjectDn);
  const status = await trusted.store.check(forged);
  assert.equal(!status.ok && status.reason, "untrusted");
});

test("a path validated for one certificate does not vouch for another with the same subject, issuer and serial", async () => {
  const ca = await testCa("same-serial");
  const genuine = await issue(ca);
  assert.deepEqual(await ca.store.check(genuine), { ok: true, qualified: false });
  // Same names and serial number, another key, signed by an impostor CA of the same name: only the DER differs.
  const { keyPath } = await createTestCa(join(await tempDir(), "same-serial-impostor"), {
    name: "CA same-serial",
  });
  const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const forgedDer = await buildCertificate(
    {
      subject: genuine.certificate.subject,
      issuer: genuine.certificate.issuer,
      serialNumber: genuine.certificate.serialNumber.valueBlock.valueHexView,
      notBefore: genuine.notBefore,
      notAfter: genuine.notAfter,
      spki: new Uint8Array(publicKey.export({ format: "der", type: "spki" })),
      isCA: false,
      keyUsage: { digitalSignature: true, nonRepudiation: true },
    },
    signerForKey(createPrivateKey(await readFile(keyPath, "utf8"))),
  );
  const forged = parseCertificate(forgedDer);
  assert.deepEqual(
    [forged.subjectDn, forged.issuerDn, forged.serialNumber],
    [genuine.subjectDn, genuine.issuerDn, genuine.serialNumber],
  );
  const status = await ca.store.check(forged);
  assert.equal(!status.ok && status.reason, "untrusted");
});

test("an expired certificate is reported as expired", async () => {
  const ca = await testCa("trusted");
  const cert = await issue(ca, {
    notBefore: new Date(Date.now() - 10 * DAY_MS),
    notAfter: new Date(Date.now() - DAY_MS),
  });
  const status = await ca.store.check(cert);
  assert.equal(!status.ok && status.reason, "expired");
});

test("an expired certificate from an untrusted CA is still reported as expired first", async () => {
  const trusted = await testCa("trusted");
  const cert = await issue(await testCa("other"), {
    notBefore: new Date(Date.now() - 10 * DAY_MS),
    notAfter: new Date(Date.now() - DAY_MS),
  });
  const status = await trusted.store.check(cert);
  assert.equal(!status.ok && status.reason, "expired");
});

test("a certificate whose validity starts in the future is not yet valid", async () => {
  const ca = await testCa("trusted");
  const cert = await issue(ca, { notBefore: new Date(Date.now() + DAY_MS) });
  const status = await ca.store.check(cert);
  assert.equal(!status.ok && status.reason, "not-yet-valid");
});

test("the check date can be given: a valid certificate is expired a year and a day later", async () => {
  const ca = await testCa("trusted");
  const cert = await issue(ca);
  const status = await ca.store.check(cert, new Date(Date.now() + 366 * DAY_MS));
  assert.equal(!status.ok && status.reason, "expired");
});

test("a trusted certificate whose key usage does not allow signing is rejected as bad-key-usage", async () => {
  const ca = await testCa("trusted");
  const cert = await issue(ca, { keyUsage: "encipher-only" });
  const status = await ca.store.check(cert);
  assert.equal(!status.ok && status.reason, "bad-key-usage");
});

test("a certificate listed on the issuer's CRL is revoked", async () => {
  const ca = await testCa("crl");
  const cert = await issue(ca);
  const crl = await createTestCrl(ca.dir, { revokedSerials: [cert.serialNumber] });
  const store = trustStoreOf([ca.cert], [crl.der]);
  const status = await store.check(cert);
  assert.equal(!status.ok && status.reason, "revoked");
});

test("a certificate not listed on the issuer's CRL is accepted", async () => {
  const ca = await testCa("crl");
  const listed = await issue(ca);
  const crl = await createTestCrl(ca.dir, { revokedSerials: [listed.serialNumber] });
  const store = trustStoreOf([ca.cert], [crl.der]);
  assert.deepEqual(await store.check(await issue(ca)), { ok: true, qualified: false });
});

test("a CRL past its nextUpdate still revokes the certificates it lists", async () => {
  const ca = await testCa("crl");
  const cert = await issue(ca);
  const crl = await createTestCrl(ca.dir, {
    revokedSerials: [cert.serialNumber],
    thisUpdate: new Date(Date.now() - 30 * DAY_MS),
    nextUpdate: new Date(Date.now() - 20 * DAY_MS),
  });
  const status = await trustStoreOf([ca.cert], [crl.der]).check(cert);
  assert.equal(!status.ok && status.reason, "revoked");
});

test("a CRL not signed by the certificate's issuer is ignored", async () => {
  const ca = await testCa("crl-forged");
  const cert = await issue(ca);
  // Same issuer name, another key: a forged CRL must not revoke anything.
  const forgerDir = join(await tempDir(), "crl-forger");
  await createTestCa(forgerDir, { name: "CA crl-forged" });
  const forged = await createTestCrl(forgerDir, { revokedSerials: [cert.serialNumber] });
  assert.deepEqual(await trustStoreOf([ca.cert], [forged.der]).check(cert), {
    ok: true,
    qualified: false,
  });
});

test("an Ed25519-signed CRL revokes too", async () => {
  const ca = await testCa("ed25519", "ed25519");
  const cert = await issue(ca, { alg: "ed25519" });
  const crl = await createTestCrl(ca.dir, { revokedSerials: [cert.serialNumber] });
  const status = await trustStoreOf([ca.cert], [crl.der]).check(cert);
  assert.equal(!status.ok && status.reason, "revoked");
});

// --- Hand-built hierarchies: intermediates and non-CA issuers ----------------------------------

test("a certificate issued by an intermediate chains to the root when both are configured", async () => {
  const root = await makeCertificate("Root", undefined, { isCA: true });
  const intermediate = await makeCertificate("Intermediate", root, { isCA: true });
  const leaf = await makeCertificate("Leaf", intermediate, { isCA: false });
  const store = trustStoreOf([intermediate.cert, root.cert]);
  assert.deepEqual(await store.check(leaf.cert), { ok: true, qualified: false });
});

test("a path validated once is untrusted later, once an intermediate on it has expired", async () => {
  const root = await makeCertificate("Root", undefined, { isCA: true });
  const intermediate = await makeCertificate("Intermediate", root, {
    isCA: true,
    notAfter: new Date(Date.now() + 10 * DAY_MS),
  });
  const leaf = await makeCertificate("Leaf", intermediate, { isCA: false });
  const store = trustStoreOf([intermediate.cert, root.cert]);
  assert.deepEqual(await store.check(leaf.cert), { ok: true, qualified: false });
  assert.deepEqual(await store.check(leaf.cert), { ok: true, qualified: false }, "the remembered path");
  const status = await store.check(leaf.cert, new Date(Date.now() + 20 * DAY_MS));
  assert.equal(status.ok, false);
});

test("currentAuthorities leaves out an intermediate whose configured root has expired", async () => {
  const root = await makeCertificate("Root", undefined, {
    isCA: true,
    notAfter: new Date(Date.now() + 10 * DAY_MS),
  });
  const intermediate = await makeCertificate("Intermediate", root, { isCA: true });
  const leaf = await makeCertificate("Leaf", intermediate, { isCA: false });
  const store = trustStoreOf([intermediate.cert, root.cert]);
  const later = new Date(Date.now() + 20 * DAY_MS);
  assert.equal((await store.check(leaf.cert, later)).ok, false, "no path once the root expired");
  assert.deepEqual([...store.currentAuthorities(new Date())].length, 2);
  assert.deepEqual([...store.currentAuthorities(later)], []);
});

test("without its intermediate, a certificate does not chain to the root", async () => {
  const root = await makeCertificate("Root", undefined, { isCA: true });
  const intermediate = await makeCertificate("Intermediate", root, { isCA: true });
  const leaf = await makeCertificate("Leaf", intermediate, { isCA: false });
  const status = await trustStoreOf([root.cert]).check(leaf.cert);
  assert.equal(!status.ok && status.reason, "untrusted");
});

test("an intermediate configured without its root is trusted as an anchor", async () => {
  const root = await makeCertificate("Root", undefined, { isCA: true });
  const intermediate = await makeCertificate("Intermediate", root, { isCA: true });
  const leaf = await makeCertificate("Leaf", intermediate, { isCA: false });
  assert.deepEqual(await trustStoreOf([intermediate.cert]).check(leaf.cert), {
    ok: true,
    qualified: false,
  });
});

test("a CA certificate issued by the trusted root is refused as a CA's, though its key may sign", async () => {
  const root = await makeCertificate("Root", undefined, { isCA: true });
  const subordinate = await makeCertificate("Subordinate CA", root, {
    isCA: true,
    keyUsage: { digitalSignature: true, keyCertSign: true, cRLSign: true },
  });
  assert.deepEqual(await trustStoreOf([root.cert]).check(subordinate.cert), {
    ok: false,
    reason: "invalid",
    detail: "a CA certificate (basicConstraints cA)",
  });
});

test("a certificate issued by a non-CA certificate is untrusted even if that one chains to the root", async () => {
  const root = await makeCertificate("Root", undefined, { isCA: true });
  const user = await makeCertificate("User", root, { isCA: false });
  const forged = await makeCertificate("Forged", user, { isCA: false });
  const status = await trustStoreOf([root.cert, user.cert]).check(forged.cert);
  assert.equal(!status.ok && status.reason, "untrusted");
});

test("a path longer than the root's pathLenConstraint is untrusted", async () => {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const rootName = buildName([{ oid: AttributeOid.commonName, value: "Root pathLen 0" }]);
  const rootDer = await buildCertificate(
    {
      subject: rootName,
      issuer: rootName,
      serialNumber: randomSerialNumber(),
      notBefore: new Date(Date.now() - DAY_MS),
      notAfter: new Date(Date.now() + 30 * DAY_MS),
      spki: new Uint8Array(publicKey.export({ format: "der", type: "spki" })),
      isCA: true,
      pathLenConstraint: 0,
      keyUsage: { keyCertSign: true, cRLSign: true },
    },
    signerForKey(privateKey),
  );
  const root = { cert: parseCertificate(rootDer), key: privateKey };
  const intermediate = await makeCertificate("Intermediate", root, { isCA: true });
  const leaf = await makeCertificate("Leaf", intermediate, { isCA: false });
  const store = trustStoreOf([root.cert, intermediate.cert]);
  const status = await store.check(leaf.cert);
  assert.equal(!status.ok && status.reason, "untrusted");
  assert.match(!status.ok ? status.detail : "", /pathLenConstraint/);
  // The same root still vouches for certificates it issues directly.
  assert.deepEqual(await store.check((await makeCertificate("Direct", root, { isCA: false })).cert), {
    ok: true,
    qualified: false,
  });
});

test("revokedAuthorities names an intermediate its issuer's CRL lists and the configured CAs below it", async () => {
  const root = await makeCertificate("Root", undefined, { isCA: true });
  const revoked = await makeCertificate("Revoked intermediate", root, { isCA: true });
  const below = await makeCertificate("Below the revoked one", revoked, { isCA: true });
  const sibling = await makeCertificate("Sibling intermediate", root, { isCA: true });
  const store = trustStoreOf(
    [root.cert, revoked.cert, below.cert, sibling.cert],
    [await crlOf(root, [revoked])],
  );
  assert.deepEqual(await store.revokedAuthorities(), new Set([revoked.cert.subjectDn, below.cert.subjectDn]));
  const leaf = await makeCertificate("Leaf", below, { isCA: false });
  const status = await store.check(leaf.cert);
  assert.equal(!status.ok && status.reason, "revoked");
});

test("revokedAuthorities ignores a CRL in the issuer's name that its key did not sign", async () => {
  const root = await makeCertificate("Root", undefined, { isCA: true });
  const intermediate = await makeCertificate("Intermediate", root, { isCA: true });
  const forger = await makeCertificate("Root", undefined, { isCA: true });
  const store = trustStoreOf([root.cert, intermediate.cert], [await crlOf(root, [intermediate], forger)]);
  assert.deepEqual(await store.revokedAuthorities(), new Set());
});

test("a trust anchor without basicConstraints vouches for the certificates it issued", async () => {
  const root = await makeCertificate("Old root", undefined, { isCA: false, omitBasicConstraints: true });
  const leaf = await makeCertificate("Leaf", root, { isCA: false });
  assert.deepEqual(await trustStoreOf([root.cert]).check(leaf.cert), {
    ok: true,
    qualified: false,
  });
});

test("an intermediate without basicConstraints is untrusted even under a trusted root", async () => {
  const root = await makeCertificate("Root", undefined, { isCA: true });
  const intermediate = await makeCertificate("No BC", root, { isCA: false, omitBasicConstraints: true });
  const leaf = await makeCertificate("Leaf", intermediate, { isCA: false });
  const status = await trustStoreOf([root.cert, intermediate.cert]).check(leaf.cert);
  assert.equal(!status.ok && status.reason, "untrusted");
});

/** An extension with the given OID and criticality whose content is an empty SEQUENCE. */
function opaqueExtension(extnID: string, critical: boolean): pkijs.Extension {
  return new pkijs.Extension({ extnID, critical, extnValue: new asn1js.Sequence().toBER(false) });
}

function extendedKeyUsage(...purposes: string[]): pkijs.Extension {
  const value = new asn1js.Sequence({
    value: purposes.map((p) => new asn1js.ObjectIdentifier({ value: p })),
  });
  return new pkijs.Extension({
    extnID: ExtensionOid.extKeyUsage,
    critical: false,
    extnValue: value.toBER(false),
  });
}

test("an end-entity certificate with an unknown critical extension is invalid", async () => {
  const root = await makeCertificate("Root", undefined, { isCA: true });
  const leaf = await makeCertificate("Leaf", root, {
    isCA: false,
    extraExtensions: [opaqueExtension("1.2.3.4.5", true)],
  });
  const status = await trustStoreOf([root.cert]).check(leaf.cert);
  assert.equal(!status.ok && status.reason, "invalid");
  assert.match(!status.ok ? status.detail : "", /1\.2\.3\.4\.5/);
});

test("an unknown extension that is not critical is ignored", async () => {
  const root = await makeCertificate("Root", undefined, { isCA: true });
  const leaf = await makeCertificate("Leaf", root, {
    isCA: false,
    extraExtensions: [opaqueExtension("1.2.3.4.5", false)],
  });
  assert.deepEqual(await trustStoreOf([root.cert]).check(leaf.cert), {
    ok: true,
    qualified: false,
  });
});

const loginPurposes = [
  ["clientAuth", KeyPurposeOid.clientAuth],
  ["emailProtection", KeyPurposeOid.emailProtection],
  ["anyExtendedKeyUsage", KeyPurposeOid.anyExtendedKeyUsage],
  ["CryptoPro registration user", KeyPurposeOid.cryptoProRegistrationUser],
] as const;
for (const [name, purpose] of loginPurposes) {
  test(`extendedKeyUsage with ${name} allows login`, async () => {
    const root = await makeCertificate("Root", undefined, { isCA: true });
    const leaf = await makeCertificate("Leaf", root, {
      isCA: false,
      extraExtensions: [extendedKeyUsage("1.3.6.1.5.5.7.3.1", purpose)],
    });
    assert.deepEqual(await trustStoreOf([root.cert]).check(leaf.cert), {
      ok: true,
      qualified: false,
    });
  });
}

test("extendedKeyUsage without a login purpose (serverAuth, codeSigning) is bad-key-usage", async () => {
  const root = await makeCertificate("Root", undefined, { isCA: true });
  const leaf = await makeCertificate("Leaf", root, {
    isCA: false,
    extraExtensions: [extendedKeyUsage("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.3")],
  });
  const status = await trustStoreOf([root.cert]).check(leaf.cert);
  assert.equal(!status.ok && status.reason, "bad-key-usage");
});

test("a certificate is qualified under an anchor marked qualified, and not under another", async () => {
  const qualifiedRoot = await makeCertificate("Qualified root", undefined, { isCA: true });
  const otherRoot = await makeCertificate("Other root", undefined, { isCA: true });
  const store = trustStoreOf([qualifiedRoot.cert, otherRoot.cert], [], {
    qualified: [qualifiedRoot.cert.fingerprint],
  });
  const underQualified = await makeCertificate("Leaf Q", qualifiedRoot, { isCA: false });
  const underOther = await makeCertificate("Leaf O", otherRoot, { isCA: false });
  assert.deepEqual(await store.check(underQualified.cert), { ok: true, qualified: true });
  assert.deepEqual(await store.check(underQualified.cert), { ok: true, qualified: true }, "remembered path");
  assert.deepEqual(await store.check(underOther.cert), { ok: true, qualified: false });
});

test("a certificate under an intermediate marked qualified is qualified", async () => {
  const root = await makeCertificate("Root", undefined, { isCA: true });
  const intermediate = await makeCertificate("Accredited CA", root, { isCA: true });
  const store = trustStoreOf([root.cert, intermediate.cert], [], {
    qualified: [intermediate.cert.fingerprint],
  });
  const leaf = await makeCertificate("Leaf", intermediate, { isCA: false });
  assert.deepEqual(await store.check(leaf.cert), { ok: true, qualified: true });
  const direct = await makeCertificate("Direct", root, { isCA: false });
  assert.deepEqual(await store.check(direct.cert), { ok: true, qualified: false });
});

test("the qualified marks travel with the trust material to a rebuilt store", async () => {
  const root = await makeCertificate("Root", undefined, { isCA: true });
  const old = await makeCertificate("Old root", undefined, { isCA: false, omitBasicConstraints: true });
  const store = trustStoreOf([root.cert, old.cert], [], {
    qualified: [root.cert.fingerprint, old.cert.fingerprint],
  });
  const rebuilt = createPki({ trust: store.material() }).trust;
  for (const issuer of [root, old]) {
    const leaf = await makeCertificate("Leaf", issuer, { isCA: false });
    assert.deepEqual(await rebuilt.check(leaf.cert), { ok: true, qualified: true });
  }
});

test("a self-signed end-entity certificate is untrusted", async () => {
  const ca = await testCa("trusted");
  const selfSigned = await makeCertificate("Self", undefined, { isCA: false });
  const status = await ca.store.check(selfSigned.cert);
  assert.equal(!status.ok && status.reason, "untrusted");
});

test("something that is not a parsed certificate is invalid, without throwing", async () => {
  const ca = await testCa("trusted");
  const status = await ca.store.check({} as unknown as ParsedCertificate);
  assert.equal(!status.ok && status.reason, "invalid");
});

// --- Loading from files --------------------------------------------------------------------------

test("trust files: reads a directory of CA files and a file holding several PEM certificates", async () => {
  const root = await makeCertificate("Root", undefined, { isCA: true });
  const intermediate = await makeCertificate("Intermediate", root, { isCA: true });
  const leaf = await makeCertificate("Leaf", intermediate, { isCA: false });
  const dir = join(await tempDir(), "trust-dir");
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, "chain.pem"),
    encodePem("CERTIFICATE", intermediate.cert.der) + encodePem("CERTIFICATE", root.cert.der),
  );
  await writeFile(join(dir, "README.txt"), "not a certificate");
  const other = await testCa("other");
  await writeFile(join(dir, "other.der"), other.cert.der);
  const store = await trustStoreFromPaths([dir]);
  assert.equal(store.anchors.length, 3);
  assert.deepEqual(await store.check(leaf.cert), { ok: true, qualified: false });
  assert.deepEqual(await store.check(await issue(other)), { ok: true, qualified: false });
});

test("readTrustSources marks the certificates of qualified sources only", async () => {
  const dir = join(await tempDir(), "sources");
  await mkdir(dir, { recursive: true });
  const qualifiedRoot = await makeCertificate("Qualified", undefined, { isCA: true });
  const otherRoot = await makeCertificate("Other", undefined, { isCA: true });
  await writeFile(join(dir, "q.pem"), encodePem("CERTIFICATE", qualifiedRoot.cert.der));
  await writeFile(join(dir, "o.pem"), encodePem("CERTIFICATE", otherRoot.cert.der));
  const store = createPki({
    trust: await readTrustSources([
      { path: join(dir, "q.pem"), qualified: true },
      { path: join(dir, "o.pem"), qualified: false },
    ]),
  }).trust;
  assert.deepEqual(store.material().qualified, [qualifiedRoot.cert.fingerprint]);
});

test("trust files: reads CRL files", async () => {
  const ca = await testCa("crl-files");
  const cert = await issue(ca);
  const crl = await createTestCrl(ca.dir, { revokedSerials: [cert.serialNumber] });
  const crlPath = join(ca.dir, "ca.crl");
  await writeFile(crlPath, crl.crlPem);
  const store = await trustStoreFromPaths([join(ca.dir, "ca.pem")], [crlPath]);
  const status = await store.check(cert);
  assert.equal(!status.ok && status.reason, "revoked");
});

test("trust files: the error names the file that holds no certificate", async () => {
  const ca = await testCa("trusted");
  const keyPath = join(ca.dir, "ca-key.pem");
  assert.ok((await readFile(keyPath, "utf8")).includes("PRIVATE KEY"));
  await assert.rejects(trustStoreFromPaths([keyPath]), /ca-key\.pem/);
});

test("a certificate in the name of a CA marked qualified, or of one named under it, from a CA not so marked is untrusted", async () => {
  const root = await makeCertificate("Accredited root", undefined, { isCA: true });
  const accredited = await makeCertificate("Accredited CA", root, { isCA: true });
  const namesake = await makeCertificate("Accredited CA", undefined, { isCA: true });
  const store = trustStoreOf([root.cert, accredited.cert, namesake.cert], [], {
    qualified: [root.cert.fingerprint],
  });
  const genuine = await makeCertificate("Leaf", accredited, { isCA: false });
  const copy = await makeCertificate("Leaf", namesake, { isCA: false });
  assert.deepEqual(await store.check(genuine.cert), { ok: true, qualified: true });
  const status = await store.check(copy.cert);
  assert.equal(!status.ok && status.reason, "untrusted");
  assert.match(!status.ok ? status.detail : "", /in the name of a CA marked qualified/);
});

test("sharedNames groups configured CAs of one name with different keys, none marked qualified", async () => {
  const first = await makeCertificate("Corporate CA", undefined, { isCA: true });
  const second = await makeCertificate("Corporate CA", undefined, { isCA: true });
  const other = await makeCertificate("Other CA", undefined, { isCA: true });
  const store = trustStoreOf([first.cert, other.cert, second.cert]);
  assert.deepEqual(store.sharedNames(), [
    { subjectDn: first.cert.subjectDn, fingerprints: [first.cert.fingerprint, second.cert.fingerprint] },
  ]);
});

test("sharedNames counts intermediates of one name with different keys under one root", async () => {
  const root = await makeCertificate("Root", undefined, { isCA: true });
  const first = await makeCertificate("Issuing CA", root, { isCA: true });
  const second = await makeCertificate("Issuing CA", root, { isCA: true });
  const store = trustStoreOf([root.cert, first.cert, second.cert]);
  assert.deepEqual(
    store.sharedNames().map((group) => group.fingerprints),
    [[first.cert.fingerprint, second.cert.fingerprint]],
  );
});

test("sharedNames leaves out a name whose CAs are all marked qualified", async () => {
  const first = await makeCertificate("Accredited CA", undefined, { isCA: true });
  const second = await makeCertificate("Accredited CA", undefined, { isCA: true });
  const store = trustStoreOf([first.cert, second.cert], [], {
    qualified: [first.cert.fingerprint, second.cert.fingerprint],
  });
  assert.deepEqual(store.sharedNames(), []);
});

test("sharedNames leaves out a name shared with a CA marked qualified: the unmarked one's holders are refused", async () => {
  const accredited = await makeCertificate("Accredited CA", undefined, { isCA: true });
  const namesake = await makeCertificate("Accredited CA", undefined, { isCA: true });
  const store = trustStoreOf([accredited.cert, namesake.cert], [], {
    qualified: [accredited.cert.fingerprint],
  });
  assert.deepEqual(store.sharedNames(), []);
  const holder = await makeCertificate("Leaf", namesake, { isCA: false });
  const status = await store.check(holder.cert);
  assert.match(!status.ok ? status.detail : "", /in the name of a CA marked qualified/);
});

test("sharedNames leaves out one CA certificate listed twice", async () => {
  const ca = await makeCertificate("Corporate CA", undefined, { isCA: true });
  assert.deepEqual(trustStoreOf([ca.cert, ca.cert.der]).sharedNames(), []);
});

test("sharedNames leaves out two certificates of one name and one key (a re-issued CA certificate)", async () => {
  const keyPair = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const ca = await makeCertificate("Corporate CA", undefined, { isCA: true, keyPair });
  const reissued = await makeCertificate("Corporate CA", undefined, { isCA: true, keyPair });
  assert.deepEqual(trustStoreOf([ca.cert, reissued.cert]).sharedNames(), []);
});
