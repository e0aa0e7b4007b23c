/**
 * Known-answer tests of the shared GOST vectors through the public verification paths: the pkijs engine
 * (certificates, CRLs, CSRs), TrustStore, CMS SignedData and raw signatures.
 */
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { test } from "node:test";
import * as asn1js from "asn1js";
import { parseCertificate } from "../../../src/pki/certificate.ts";
import { createPki } from "../../../src/pki/create-pki.ts";
import { AttributeOid } from "../../../src/pki/oids.ts";
import { buildCertificate, buildName, randomSerialNumber } from "../../../src/pki/x509-builder.ts";
import { signerForKey } from "../../../src/server/test-ca.ts";
import { trustStoreOf } from "../../support/pki.ts";
import { readVector, readVectorJson } from "../../support/vectors.ts";
import {
  duringValidity,
  hexBytes,
  vectorCertificate,
  vectorCrl,
  vectorCsr,
  vectorPemDer,
} from "./support.ts";

const pki = createPki();
const testVectorPki = createPki({ allowTestParameterSets: true });

const INFOTECS = ["short_cp_a", "short_cp_b", "short_cp_c", "short_tc_a", "short_tc_b", "short_tc_c"]
  .concat(["short_tc_d", "long_tc_a", "long_tc_b", "long_tc_c"])
  .map((name) => `gost/infotecs-certs/${name}.pem`);
const SELF_SIGNED = [
  ...INFOTECS,
  "gost/tk26iok/tk26iok-256-xcha-selfsigned.pem",
  "gost/tk26iok/tk26iok-512-paramsetB-selfsigned.pem",
  "gost/rfc9215/256-tc26-paramSetA-cert.pem",
  "gost/cryptopro-real/cryptopro-test-center-2-gost2001.cer",
  "gost-legacy/certs/rfc4491_gost2001_cert.pem",
  "gost-legacy/certs/cryptopro_test_center_2_root.pem",
  "gost-legacy/certs/minsvyaz_guc_root_2012.pem",
];
const RFC9215_TEST_PARAMSETS = ["256-testparamset", "512-testparamset"];

for (const file of SELF_SIGNED) {
  test(`${file}: its self-signature verifies through the pkijs engine`, async () => {
    const { certificate } = vectorCertificate(file);
    assert.equal(await certificate.verify(certificate, pki.engine), true);
  });
}

for (const name of RFC9215_TEST_PARAMSETS) {
  const file = `gost/rfc9215/${name}-cert.pem`;
  test(`${file}: the test parameter set verifies only when test parameter sets are allowed`, async () => {
    const { certificate } = vectorCertificate(file);
    assert.equal(await certificate.verify(certificate, pki.engine), false);
    const testEngine = testVectorPki.engine;
    assert.equal(await certificate.verify(certificate, testEngine), true);
  });
}

for (const name of ["256-tc26-paramSetA", ...RFC9215_TEST_PARAMSETS]) {
  test(`rfc9215 ${name}: the CRL verifies under its certificate`, async () => {
    const issuer = vectorCertificate(`gost/rfc9215/${name}-cert.pem`).certificate;
    const crl = vectorCrl(`gost/rfc9215/${name}-crl.pem`);
    const engine = testVectorPki.engine;
    assert.equal(await crl.verify({ issuerCertificate: issuer }, engine), true);
  });

  test(`rfc9215 ${name}: the CSR verifies under its own key`, async () => {
    const csr = vectorCsr(`gost/rfc9215/${name}-csr.pem`);
    assert.equal(await csr.verify(testVectorPki.engine), true);
  });
}

test("rfc9215: the signature values in the files are the published ones", () => {
  const keys = readVectorJson<{
    examples: Array<{ name: string; cert_sig_hex: string; crl_sig_hex: string }>;
  }>("gost/rfc9215/keys.json");
  for (const example of keys.examples) {
    const cert = vectorCertificate(`gost/rfc9215/${example.name}-cert.pem`).certificate;
    const crl = vectorCrl(`gost/rfc9215/${example.name}-crl.pem`);
    assert.equal(
      Buffer.from(cert.signatureValue.valueBlock.valueHexView).toString("hex"),
      example.cert_sig_hex.toLowerCase(),
    );
    assert.equal(
      Buffer.from(crl.signatureValue.valueBlock.valueHexView).toString("hex"),
      example.crl_sig_hex.toLowerCase(),
    );
  }
});

/** What check says of a CA's certificate whose path validated: refused for being a CA's, not "untrusted". */
const REFUSED_AS_CA = { ok: false, reason: "invalid", detail: "a CA certificate (basicConstraints cA)" };

test("a self-signed GOST CA vector is a trust anchor whose own certificate validates, then is refused as a CA's", async () => {
  const cert = vectorCertificate("gost/tk26iok/tk26iok-512-paramsetB-selfsigned.pem");
  assert.deepEqual(await trustStoreOf([cert]).check(cert, duringValidity(cert)), REFUSED_AS_CA);
});

test("УЦ 1 ИС ГУЦ (GOST R 34.10-2001 with GOST R 34.11-94) chains to the Minsvyaz GUC root, then is refused as a CA's", async () => {
  const root = vectorCertificate("gost-legacy/certs/minsvyaz_guc_root_2012.pem");
  const subordinate = vectorCertificate("gost/cryptopro-real/uc_1_is_guc-gost2001.cer");
  const status = await trustStoreOf([root]).check(subordinate, new Date("2020-01-01T00:00:00Z"));
  assert.deepEqual(status, REFUSED_AS_CA);
});

test("УЦ 1 ИС ГУЦ does not chain to the CryptoPro test root", async () => {
  const other = vectorCertificate("gost-legacy/certs/cryptopro_test_center_2_root.pem");
  const subordinate = vectorCertificate("gost/cryptopro-real/uc_1_is_guc-gost2001.cer");
  const status = await trustStoreOf([other]).check(subordinate, new Date("2018-01-01T00:00:00Z"));
  assert.equal(!status.ok && status.reason, "untrusted");
});

test("the RFC 4491 GOST R 34.10-94 certificate never verifies through the engine", async () => {
  const { certificate } = vectorCertificate("gost-legacy/certs/rfc4491_gost94_cert.pem");
  assert.equal(await certificate.verify(certificate, testVectorPki.engine), false);
});

test("the RFC 4491 GOST R 34.10-94 certificate is an unsupported algorithm for raw signatures", async () => {
  const cert = vectorCertificate("gost-legacy/certs/rfc4491_gost94_cert.pem");
  const result = await pki.verifyRawSignature(cert, new Uint8Array([1]), new Uint8Array(64));
  assert.equal(result.valid, false);
  assert.match(result.reason ?? "", /^unsupported algorithm/);
});

// ---- CMS --------------------------------------------------------------------------------------

for (const [cms, signer, algorithm] of [
  [
    "gost/tk26cms/signed-256-xcha.pem",
    "gost/tk26iok/tk26iok-256-xcha-selfsigned.pem",
    "gost2012-256-streebog256",
  ],
  [
    "gost/tk26cms/signed-512-paramsetB.pem",
    "gost/tk26iok/tk26iok-512-paramsetB-selfsigned.pem",
    "gost2012-512-streebog512",
  ],
] as const) {
  test(`${cms}: SignedData without signedAttrs verifies with the given signer certificate`, async () => {
    const result = await pki.verifyCms(vectorPemDer(cms), {
      certificates: [vectorCertificate(signer)],
    });
    assert.equal(result.valid, true, result.reason);
    assert.equal(result.algorithm, algorithm);
  });
}

test("rfc4490_signed.der: GOST R 34.10-2001 SignedData verifies with the RFC 4491 certificate", async () => {
  const result = await pki.verifyCms(new Uint8Array(readVector("gost-legacy/cms/rfc4490_signed.der")), {
    certificates: [vectorCertificate("gost-legacy/certs/rfc4491_gost2001_cert.pem")],
  });
  assert.equal(result.valid, true, result.reason);
  assert.equal(result.algorithm, "gost2001-gostr341194");
});

test("a TK26 SignedData does not verify with another key's certificate", async () => {
  const result = await pki.verifyCms(vectorPemDer("gost/tk26cms/signed-512-paramsetB.pem"), {
    certificates: [vectorCertificate("gost/tk26iok/tk26iok-256-xcha-selfsigned.pem")],
  });
  assert.equal(result.valid, false);
});

for (const [file, name] of [
  ["gost/tk26cms/digested-256.pem", "STREEBOG-256"],
  ["gost/tk26cms/digested-512.pem", "STREEBOG-512"],
] as const) {
  test(`${file}: the engine's ${name} digest of the content is the DigestedData digest`, async () => {
    const digested = asn1js.fromBER(vectorPemDer(file)).result as asn1js.Sequence;
    const [, content] = digested.valueBlock.value;
    const [, algorithm, encap, digest] = (
      (content as asn1js.Constructed).valueBlock.value[0] as asn1js.Sequence
    ).valueBlock.value;
    const digestOid = (
      (algorithm as asn1js.Sequence).valueBlock.value[0] as asn1js.ObjectIdentifier
    ).valueBlock.toString();
    const eContent = ((encap as asn1js.Sequence).valueBlock.value[1] as asn1js.Constructed).valueBlock
      .value[0];
    const engine = pki.engine;
    assert.deepEqual(engine.getAlgorithmByOID(digestOid), { name });
    const computed = await engine.digest(
      name,
      new Uint8Array((eContent as asn1js.OctetString).valueBlock.valueHexView),
    );
    assert.deepEqual(
      new Uint8Array(computed),
      new Uint8Array((digest as asn1js.OctetString).valueBlock.valueHexView),
    );
  });
}

// ---- Streebog through the engine (the digest CMS message-digest attributes use) -----------------

interface StreebogVectors {
  vectors: Array<{
    name: string;
    message_rfc_printed_hex: string;
    h256_rfc_printed_hex: string;
    h512_rfc_printed_hex: string;
  }>;
  extra: Array<{ message_wire_hex: string; h256_wire_hex: string }>;
}
const reversed = (hex: string) => hexBytes(hex).reverse();
const streebog = readVectorJson<StreebogVectors>("gost/streebog-rfc6986.json");

for (const vector of streebog.vectors) {
  test(`RFC 6986 ${vector.name.slice(0, 2)}: the engine's Streebog-256 and -512 digests match`, async () => {
    const engine = pki.engine;
    const message = reversed(vector.message_rfc_printed_hex);
    assert.deepEqual(
      new Uint8Array(await engine.digest("STREEBOG-256", message)),
      reversed(vector.h256_rfc_printed_hex),
    );
    assert.deepEqual(
      new Uint8Array(await engine.digest("STREEBOG-512", message)),
      reversed(vector.h512_rfc_printed_hex),
    );
  });
}

test("the carry-propagation vector: the engine's Streebog-256 digest matches", async () => {
  for (const vector of streebog.extra) {
    const digest = await pki.engine.digest("STREEBOG-256", hexBytes(vector.message_wire_hex));
    assert.deepEqual(new Uint8Array(digest), hexBytes(vector.h256_wire_hex));
  }
});

// ---- CryptoPro raw signatures ------------------------------------------------------------------

interface CryptoProVector {
  paramSetOid: string;
  paramSetName: string;
  bits: 256 | 512;
  data_hex: string;
  signature_cryptoapi_hex: string;
  signature_x509_s_r_be_hex: string;
  publickey_cryptoapi_hex: string;
}

/** A certificate (signed by a throw-away ECDSA key: only its SubjectPublicKeyInfo matters) for a raw GOST key. */
async function certificateForRawKey(vector: CryptoProVector) {
  const keyOid = vector.bits === 256 ? "1.2.643.7.1.1.1.1" : "1.2.643.7.1.1.1.2";
  const spki = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({
        value: [
          new asn1js.ObjectIdentifier({ value: keyOid }),
          new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: vector.paramSetOid })] }),
        ],
      }),
      new asn1js.BitString({
        valueHex: new asn1js.OctetString({ valueHex: hexBytes(vector.publickey_cryptoapi_hex) }).toBER(false),
      }),
    ],
  });
  const name = buildName([{ oid: AttributeOid.commonName, value: vector.paramSetName }]);
  const der = await buildCertificate(
    {
      subject: name,
      issuer: name,
      serialNumber: randomSerialNumber(),
      notBefore: new Date(Date.now() - 3_600_000),
      notAfter: new Date(Date.now() + 3_600_000),
      spki: new Uint8Array(spki.toBER(false)),
      isCA: false,
      keyUsage: { digitalSignature: true },
    },
    signerForKey(generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey),
  );
  return parseCertificate(der);
}

const cryptoPro = readVectorJson<{ vectors: CryptoProVector[] }>("gost/cryptopro-raw-signatures.json");
for (const vector of cryptoPro.vectors) {
  test(`CryptoPro ${vector.paramSetName}: the CryptoAPI-layout raw signature verifies as "cryptoapi"`, async () => {
    const cert = await certificateForRawKey(vector);
    const result = await pki.verifyRawSignature(
      cert,
      hexBytes(vector.data_hex),
      hexBytes(vector.signature_cryptoapi_hex),
    );
    assert.deepEqual(result, {
      valid: true,
      algorithm: `gost2012-${vector.bits}-streebog${vector.bits}`,
      layout: "cryptoapi",
    });
  });

  test(`CryptoPro ${vector.paramSetName}: the X.509-layout raw signature verifies as "standard"`, async () => {
    const cert = await certificateForRawKey(vector);
    const result = await pki.verifyRawSignature(
      cert,
      hexBytes(vector.data_hex),
      hexBytes(vector.signature_x509_s_r_be_hex),
    );
    assert.equal(result.valid, true, result.reason);
    assert.equal(result.layout, "standard");
  });
}
