import assert from "node:assert/strict";
import { join } from "node:path";
import { before, test } from "node:test";
import {
  decodeCertificateText,
  type ParsedCertificate,
  parseCertificate,
} from "../../src/pki/certificate.ts";
import { createPki } from "../../src/pki/create-pki.ts";
import { createTestCa, issueTestCertificate } from "../../src/server/test-ca.ts";
import { signRawForTest } from "../support/raw-sign.ts";
import { useTempDir } from "../support/temp-dir.ts";

const tempDir = useTempDir();
const data = new TextEncoder().encode("pki instances");

interface Authority {
  ca: ParsedCertificate;
  user: ParsedCertificate;
  keyPem: string;
}

let first: Authority;
let second: Authority;

async function authority(name: string): Promise<Authority> {
  const dir = join(await tempDir(), name);
  const { certPem } = await createTestCa(dir, { name });
  const issued = await issueTestCertificate(dir, { name: "Петров Пётр" });
  return {
    ca: parseCertificate(decodeCertificateText(certPem)),
    user: parseCertificate(issued.der),
    keyPem: issued.keyPem,
  };
}

before(async () => {
  first = await authority("First CA");
  second = await authority("Second CA");
});

test("two instances with different trust do not see each other's anchors", async () => {
  const trustsFirst = createPki({ trust: { anchors: [first.ca] } });
  const trustsSecond = createPki({ trust: { anchors: [second.ca] } });
  assert.deepEqual(await trustsFirst.checkCertificate(first.user), { ok: true, qualified: false });
  assert.equal((await trustsFirst.checkCertificate(second.user)).ok, false);
  assert.deepEqual(await trustsSecond.checkCertificate(second.user), { ok: true, qualified: false });
  assert.equal((await trustsSecond.checkCertificate(first.user)).ok, false);
});

test("an instance without trust trusts nothing", async () => {
  const status = await createPki().checkCertificate(first.user);
  assert.equal(!status.ok && status.reason, "untrusted");
});

test("withTrust gives a new store and leaves the instance it came from unchanged", async () => {
  const trustsFirst = createPki({ trust: { anchors: [first.ca] } });
  const trustsSecond = trustsFirst.withTrust({ anchors: [second.ca] });
  assert.equal((await trustsSecond.checkCertificate(second.user)).ok, true);
  assert.equal((await trustsSecond.checkCertificate(first.user)).ok, false);
  assert.equal((await trustsFirst.checkCertificate(first.user)).ok, true);
});

test("an acceleration installed in one instance does not reach another", async () => {
  const accelerated = createPki({
    accelerations: [
      (algorithms) =>
        algorithms.setRawVerifier(["ecdsa-p256"], () => ({
          valid: false,
          algorithm: "stub",
          reason: "stub",
        })),
    ],
  });
  const signature = signRawForTest(first.keyPem, data);
  assert.equal((await accelerated.verifyRawSignature(first.user, data, signature)).algorithm, "stub");
  assert.deepEqual(await createPki().verifyRawSignature(first.user, data, signature), {
    valid: true,
    algorithm: "ecdsa-p256-sha256",
    layout: "der",
  });
});

test("verifyIssuedBy tells the issuing CA from another", async () => {
  const pki = createPki();
  assert.equal(await pki.verifyIssuedBy(first.user, first.ca), true);
  assert.equal(await pki.verifyIssuedBy(first.user, second.ca), false);
});
