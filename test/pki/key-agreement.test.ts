import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeCertificateText, parseCertificate } from "../../src/pki/certificate.ts";
import { keyAgreementGroup } from "../../src/pki/key-agreement.ts";
import { readVector } from "../support/vectors.ts";

const parsed = (name: string) =>
  parseCertificate(decodeCertificateText(readVector(`gost/infotecs-certs/${name}`)));

test("a GOST certificate's group is its key algorithm and curve domain", () => {
  assert.equal(keyAgreementGroup(parsed("short_cp_b.pem")), "gost2012-256:CryptoPro-B");
  assert.equal(keyAgreementGroup(parsed("long_tc_a.pem")), "gost2012-512:tc26-512-A");
});

test("parameter sets naming the same curve give one group (CryptoPro-A and tc26-256-B)", () => {
  assert.equal(keyAgreementGroup(parsed("short_cp_a.pem")), keyAgreementGroup(parsed("short_tc_b.pem")));
  assert.notEqual(keyAgreementGroup(parsed("short_cp_a.pem")), keyAgreementGroup(parsed("short_tc_a.pem")));
});

test("one curve under GOST 2001 and GOST 2012 keys gives two groups", () => {
  const gost2001 = parseCertificate(readVector("gost/cryptopro-real/uc_1_is_guc-gost2001.cer"));
  assert.equal(keyAgreementGroup(gost2001), "gost2001:CryptoPro-A");
  assert.notEqual(keyAgreementGroup(gost2001), keyAgreementGroup(parsed("short_cp_a.pem")));
});

test("an unknown GOST parameter set is named by its OID", () => {
  assert.equal(
    keyAgreementGroup({ keyAlgorithm: "gost2012-256", keyParamsOid: "1.2.643.99.1" }),
    "gost2012-256:1.2.643.99.1",
  );
});

test("standard keys have no group: anyone can wrap for them", () => {
  assert.equal(keyAgreementGroup({ keyAlgorithm: "ecdsa-p256", keyParamsOid: "1.2.840.10045.3.1.7" }), null);
  assert.equal(keyAgreementGroup({ keyAlgorithm: "rsa" }), null);
});
