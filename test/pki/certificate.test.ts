import assert from "node:assert/strict";
import { createHash, generateKeyPairSync, X509Certificate } from "node:crypto";
import { before, test } from "node:test";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import {
  CertificateError,
  decodeCertificateText,
  type ParsedCertificate,
  parseCertificate,
} from "../../src/pki/certificate.ts";
import { decodePemBlocks } from "../../src/pki/pem.ts";
import { buildCertificate, randomSerialNumber } from "../../src/pki/x509-builder.ts";
import {
  createTestCa,
  type IssueAlgorithm,
  issueTestCertificate,
  signerForKey,
} from "../../src/server/test-ca.ts";
import { useTempDir } from "../support/temp-dir.ts";
import { readVector } from "../support/vectors.ts";

const tempDir = useTempDir();

function pemVector(relative: string): Uint8Array {
  const [block] = decodePemBlocks(readVector(relative).toString("latin1"));
  assert.ok(block, `no PEM block in ${relative}`);
  return block.der;
}

const issued = new Map<IssueAlgorithm, { user: ParsedCertificate; ca: ParsedCertificate }>();

before(async () => {
  for (const alg of ["ecdsa-p256", "rsa-2048", "ed25519"] as const) {
    const dir = `${await tempDir()}/${alg}`;
    const ca = await createTestCa(dir, { alg, name: `Test CA ${alg}` });
    const user = await issueTestCertificate(dir, {
      name: "Иванов Иван Иванович",
      snils: "112-233-445 95",
      inn: "500100732259",
      ogrn: "1027700132195",
      org: 'ООО "Ромашка", филиал',
      title: "Директор",
      alg,
    });
    issued.set(alg, {
      user: parseCertificate(user.der),
      ca: parseCertificate(decodeCertificateText(ca.certPem)),
    });
  }
});

function issuedFor(alg: IssueAlgorithm): { user: ParsedCertificate; ca: ParsedCertificate } {
  const entry = issued.get(alg);
  assert.ok(entry);
  return entry;
}

for (const [alg, keyAlgorithm] of [
  ["ecdsa-p256", "ecdsa-p256"],
  ["rsa-2048", "rsa"],
  ["ed25519", "ed25519"],
] as const) {
  test(`a test-CA ${alg} certificate parses with its key algorithm and Russian subject fields`, () => {
    const { user } = issuedFor(alg);
    assert.equal(user.keyAlgorithm, keyAlgorithm);
    assert.deepEqual(user.subject, {
      commonName: "Иванов Иван Иванович",
      surname: "Иванов",
      givenName: "Иван Иванович",
      organization: 'ООО "Ромашка", филиал',
      title: "Директор",
      inn: "500100732259",
      ogrn: "1027700132195",
      snils: "11223344595",
    });
    assert.equal(user.isCA, false);
    assert.deepEqual(user.keyUsage, {
      digitalSignature: true,
      nonRepudiation: true,
      keyCertSign: false,
      cRLSign: false,
      keyEncipherment: false,
      keyAgreement: false,
    });
  });
}

test("fingerprint, serial number and validity agree with node's own X.509 parser", () => {
  const { user } = issuedFor("ecdsa-p256");
  const x509 = new X509Certificate(user.der);
  assert.equal(user.fingerprint, createHash("sha256").update(user.der).digest("hex"));
  assert.equal(user.fingerprint, x509.fingerprint256.replaceAll(":", "").toLowerCase());
  assert.equal(user.serialNumber, x509.serialNumber.toLowerCase().replace(/^(00)+(?=..)/, ""));
  assert.equal(user.notBefore.getTime(), new Date(x509.validFrom).getTime());
  assert.equal(user.notAfter.getTime(), new Date(x509.validTo).getTime());
});

test("DNs are RFC 4514 strings: last RDN first, special characters escaped", () => {
  const { user, ca } = issuedFor("ecdsa-p256");
  assert.equal(ca.subjectDn, "C=RU,O=certchat test,CN=Test CA ecdsa-p256");
  assert.equal(user.issuerDn, ca.subjectDn);
  assert.equal(
    user.subjectDn,
    'CN=Иванов Иван Иванович,OGRN=1027700132195,INN=500100732259,SNILS=11223344595,G=Иван Иванович,SN=Иванов,T=Директор,O=ООО \\"Ромашка\\"\\, филиал,C=RU',
  );
});

test("a test-CA root is a CA with keyCertSign and cRLSign", () => {
  const { ca } = issuedFor("rsa-2048");
  assert.equal(ca.isCA, true);
  assert.equal(ca.keyUsage?.keyCertSign, true);
  assert.equal(ca.keyUsage?.cRLSign, true);
  assert.equal(ca.keyUsage?.digitalSignature, false);
});

test("the EC curve OID is reported as keyParamsOid", () => {
  assert.equal(issuedFor("ecdsa-p256").user.keyParamsOid, "1.2.840.10045.3.1.7");
});

test("the parsed certificate keeps the exact input bytes", () => {
  const { user } = issuedFor("ed25519");
  const again = parseCertificate(user.der);
  assert.deepEqual(again.der, user.der);
  assert.deepEqual(new Uint8Array(again.certificate.toSchema().toBER(false)), user.der);
});

test("a real qualified GOST 2001 CA certificate parses with INN, OGRN, O and e-mail", () => {
  const cert = parseCertificate(new Uint8Array(readVector("gost/cryptopro-real/uc_1_is_guc-gost2001.cer")));
  assert.equal(cert.keyAlgorithm, "gost2001");
  assert.equal(cert.keyAlgorithmOid, "1.2.643.2.2.19");
  assert.equal(cert.keyParamsOid, "1.2.643.2.2.35.1");
  assert.deepEqual(cert.subject, {
    commonName: "УЦ 1 ИС ГУЦ",
    organization: "Минкомсвязь России",
    inn: "007710474375",
    ogrn: "1047702026701",
    email: "dit@minsvyaz.ru",
  });
  assert.equal(cert.isCA, true);
  assert.match(cert.issuerDn, /^CN=Головной удостоверяющий центр,INN=007710474375,OGRN=1047702026701,/);
});

test("the CryptoPro test root (GOST 2001, DER) parses as a self-issued CA", () => {
  const cert = parseCertificate(
    new Uint8Array(readVector("gost/cryptopro-real/cryptopro-test-center-2-gost2001.cer")),
  );
  assert.equal(cert.keyAlgorithm, "gost2001");
  assert.equal(cert.subjectDn, cert.issuerDn);
  assert.equal(cert.subject.commonName, "CRYPTO-PRO Test Center 2");
  assert.equal(cert.subject.email, "support@cryptopro.ru");
});

test("the Minsvyaz GUC root (PEM) parses with its Russian fields", () => {
  const cert = parseCertificate(pemVector("gost-legacy/certs/minsvyaz_guc_root_2012.pem"));
  assert.equal(cert.keyAlgorithm, "gost2001");
  assert.equal(cert.subject.ogrn, "1047702026701");
  assert.equal(cert.subject.inn, "007710474375");
  assert.equal(cert.subject.commonName, "Головной удостоверяющий центр");
});

test("a GOST R 34.10-94 certificate parses with key algorithm unknown", () => {
  const cert = parseCertificate(pemVector("gost-legacy/certs/rfc4491_gost94_cert.pem"));
  assert.equal(cert.keyAlgorithm, "unknown");
  assert.equal(cert.keyAlgorithmOid, "1.2.643.2.2.20");
});

test("every Infotecs GOST 2012 certificate parses with its key size and parameter set", () => {
  const expected: Record<string, [string, string]> = {
    short_cp_a: ["gost2012-256", "1.2.643.2.2.35.1"],
    short_cp_b: ["gost2012-256", "1.2.643.2.2.35.2"],
    short_cp_c: ["gost2012-256", "1.2.643.2.2.35.3"],
    short_tc_a: ["gost2012-256", "1.2.643.7.1.2.1.1.1"],
    short_tc_b: ["gost2012-256", "1.2.643.7.1.2.1.1.2"],
    short_tc_c: ["gost2012-256", "1.2.643.7.1.2.1.1.3"],
    short_tc_d: ["gost2012-256", "1.2.643.7.1.2.1.1.4"],
    long_tc_a: ["gost2012-512", "1.2.643.7.1.2.1.2.1"],
    long_tc_b: ["gost2012-512", "1.2.643.7.1.2.1.2.2"],
    long_tc_c: ["gost2012-512", "1.2.643.7.1.2.1.2.3"],
  };
  for (const [name, [keyAlgorithm, paramSet]] of Object.entries(expected)) {
    const cert = parseCertificate(pemVector(`gost/infotecs-certs/${name}.pem`));
    assert.equal(cert.keyAlgorithm, keyAlgorithm, name);
    assert.equal(cert.keyParamsOid, paramSet, name);
    assert.equal(cert.subject.commonName, name);
    assert.equal(cert.subject.organization, "Infotecs");
  }
});

test("the TC26 and RFC 9215 GOST 2012 certificates parse", () => {
  const cases: Array<[string, string]> = [
    ["gost/tk26iok/tk26iok-256-xcha-selfsigned.pem", "gost2012-256"],
    ["gost/tk26iok/tk26iok-512-paramsetB-selfsigned.pem", "gost2012-512"],
    ["gost/rfc9215/256-tc26-paramSetA-cert.pem", "gost2012-256"],
    ["gost/rfc9215/256-testparamset-cert.pem", "gost2012-256"],
    ["gost/rfc9215/512-testparamset-cert.pem", "gost2012-512"],
  ];
  for (const [path, keyAlgorithm] of cases)
    assert.equal(parseCertificate(pemVector(path)).keyAlgorithm, keyAlgorithm, path);
});

/** A certificate whose subject carries the same kind of attribute in four string types. */
async function certificateWithStringTypes(): Promise<Uint8Array> {
  const attribute = (oid: string, value: asn1js.BaseBlock) =>
    new asn1js.Set({
      value: [new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: oid }), value] })],
    });
  const nameDer = new asn1js.Sequence({
    value: [
      attribute("2.5.4.3", new asn1js.BmpString({ value: "Петров Пётр" })),
      attribute("2.5.4.10", new asn1js.PrintableString({ value: "Acme Ltd" })),
      attribute("1.2.643.100.3", new asn1js.Utf8String({ value: "11223344595" })),
      attribute("1.2.643.100.1", new asn1js.PrintableString({ value: "1027700132195" })),
      attribute("1.2.643.3.131.1.1", new asn1js.NumericString({ value: "500100732259" })),
    ],
  }).toBER(false);
  const name = new pkijs.RelativeDistinguishedNames({ schema: asn1js.fromBER(nameDer).result });
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return await buildCertificate(
    {
      subject: name,
      issuer: name,
      serialNumber: randomSerialNumber(),
      notBefore: new Date("2020-01-01T00:00:00Z"),
      notAfter: new Date("2060-01-01T00:00:00Z"),
      spki: new Uint8Array(publicKey.export({ format: "der", type: "spki" })),
      isCA: false,
      keyUsage: { digitalSignature: true },
    },
    signerForKey(privateKey),
  );
}

test("attribute values in BMPString, PrintableString, UTF8String and NumericString are all read", async () => {
  const cert = parseCertificate(await certificateWithStringTypes());
  assert.equal(cert.subject.commonName, "Петров Пётр");
  assert.equal(cert.subject.organization, "Acme Ltd");
  assert.equal(cert.subject.snils, "11223344595");
  assert.equal(cert.subject.ogrn, "1027700132195");
  assert.equal(cert.subject.inn, "500100732259");
});

test("a validity date from 2050 on is encoded as GeneralizedTime and read back", async () => {
  const cert = parseCertificate(await certificateWithStringTypes());
  assert.equal(cert.notAfter.toISOString(), "2060-01-01T00:00:00.000Z");
});

test("garbage bytes are rejected with CertificateError", () => {
  assert.throws(() => parseCertificate(new Uint8Array([1, 2, 3, 4, 5])), CertificateError);
});

test("a truncated certificate is rejected with CertificateError", () => {
  const { der } = issuedFor("ecdsa-p256").user;
  for (const length of [1, 10, der.length / 2, der.length - 1]) {
    assert.throws(
      () => parseCertificate(der.subarray(0, Math.floor(length))),
      CertificateError,
      `length ${length}`,
    );
  }
});

test("well-formed DER that is not a certificate is rejected with CertificateError", () => {
  const notACertificate = new Uint8Array(
    new asn1js.Sequence({ value: [new asn1js.Integer({ value: 1 }), new asn1js.Null()] }).toBER(false),
  );
  assert.throws(() => parseCertificate(notACertificate), CertificateError);
});

test("trailing bytes after the certificate are rejected", () => {
  const { der } = issuedFor("ecdsa-p256").user;
  assert.throws(() => parseCertificate(new Uint8Array([...der, 0])), /trailing bytes/);
});

test("an input over 64 KiB is rejected as too large", () => {
  const huge = new Uint8Array(64 * 1024 + 1);
  huge[0] = 0x30;
  assert.throws(() => parseCertificate(huge), /too large/);
});

test("an empty input is rejected with CertificateError", () => {
  assert.throws(() => parseCertificate(new Uint8Array()), CertificateError);
});

test("decodeCertificateText reads PEM, with text around the block", () => {
  const { der } = issuedFor("ecdsa-p256").user;
  const pem = `subject: someone\n-----BEGIN CERTIFICATE-----\n${Buffer.from(der).toString("base64")}\n-----END CERTIFICATE-----\n`;
  assert.deepEqual(decodeCertificateText(pem), der);
});

test("decodeCertificateText reads bare base64, with line breaks", () => {
  const { der } = issuedFor("rsa-2048").user;
  const base64 = Buffer.from(der)
    .toString("base64")
    .replace(/(.{76})/g, "$1\r\n");
  assert.deepEqual(decodeCertificateText(base64), der);
});

test("decodeCertificateText restores '+' that form encoding turned into spaces", () => {
  const { der } = issuedFor("rsa-2048").user;
  const base64 = Buffer.from(der).toString("base64");
  assert.ok(base64.includes("+"), "fixture should contain a '+'");
  assert.deepEqual(decodeCertificateText(base64.replaceAll("+", " ")), der);
});

test("decodeCertificateText reads URL-safe base64", () => {
  const { der } = issuedFor("ed25519").user;
  assert.deepEqual(decodeCertificateText(Buffer.from(der).toString("base64url")), der);
});

test("decodeCertificateText passes DER bytes through and decodes PEM bytes", () => {
  const { der } = issuedFor("ed25519").user;
  assert.deepEqual(decodeCertificateText(der), der);
  const pemBytes = new TextEncoder().encode(
    `-----BEGIN CERTIFICATE-----\n${Buffer.from(der).toString("base64")}\n-----END CERTIFICATE-----\n`,
  );
  assert.deepEqual(decodeCertificateText(pemBytes), der);
});

test("decodeCertificateText rejects text that is neither PEM nor base64", () => {
  assert.throws(() => decodeCertificateText("not a certificate!"), CertificateError);
  assert.throws(() => decodeCertificateText(""), CertificateError);
  assert.throws(
    () => decodeCertificateText("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"),
    CertificateError,
  );
});
