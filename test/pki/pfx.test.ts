import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import * as asn1js from "asn1js";
import { decodeCertificateText, parseCertificate } from "../../src/pki/certificate.ts";
import { createPki } from "../../src/pki/create-pki.ts";
import { digestByOid, hmacOf } from "../../src/pki/pfx/digests.ts";
import { bmpPassword, pkcs12Kdf } from "../../src/pki/pfx/kdf.ts";
import { readPfx } from "../../src/pki/pfx.ts";
import { importPrivateKey } from "../../src/pki/private-key.ts";
import { createTestCa, issueTestCertificate } from "../../src/server/test-ca.ts";
import { useTempDir } from "../support/temp-dir.ts";
import { toolSkip } from "../support/tools.ts";
import { readVector, readVectorJson } from "../support/vectors.ts";

const pki = createPki();
const data = new TextEncoder().encode("подпись ключом из PFX");
const tempDir = useTempDir();

/** The signature of the loaded key verifies with the certificate the PFX gives for it. */
async function assertKeyMatchesCertificate(pfx: { certificate: Uint8Array; privateKey: Uint8Array }) {
  const signer = await importPrivateKey(pfx.privateKey);
  const certificate = parseCertificate(pfx.certificate);
  const result = await pki.verifyRawSignature(certificate, data, await signer.signRaw(data));
  assert.equal(result.valid, true, result.reason);
  return signer;
}

describe("PFX written by OpenSSL 3", { skip: toolSkip("openssl", ["version"]) }, () => {
  const FORMS = {
    "default (PBES2 AES-256-CBC, SHA-256 MAC)": [],
    "legacy (3DES, SHA-1 MAC)": ["-keypbe", "PBE-SHA1-3DES", "-certpbe", "PBE-SHA1-3DES", "-macalg", "sha1"],
    "-legacy (3DES key, RC2-40 certificates, SHA-1 MAC)": ["-legacy"],
  } as const;
  const RC4_KEY = ["-legacy", "-keypbe", "PBE-SHA1-RC4-128"];
  const password = "пароль 123";
  const files = new Map<string, { pfx: Uint8Array; certPem: string }>();

  before(async () => {
    const dir = await tempDir();
    const caDir = join(dir, "ca");
    const ca = await createTestCa(caDir);
    for (const alg of ["ecdsa-p256", "rsa-2048"] as const) {
      const issued = await issueTestCertificate(caDir, { name: "Пэ Эф Иксов", alg });
      await writeFile(join(dir, `${alg}.crt`), issued.certPem);
      await writeFile(join(dir, `${alg}.key`), issued.keyPem);
      for (const [form, args] of Object.entries(FORMS)) {
        const out = join(dir, `${alg}-${files.size}.pfx`);
        execFileSync("openssl", [
          "pkcs12",
          "-export",
          ...args,
          "-in",
          join(dir, `${alg}.crt`),
          "-inkey",
          join(dir, `${alg}.key`),
          "-certfile",
          ca.certPath,
          "-passout",
          `pass:${password}`,
          "-out",
          out,
        ]);
        files.set(`${alg} ${form}`, { pfx: await readFile(out), certPem: issued.certPem });
      }
      if (alg === "ecdsa-p256") {
        const out = join(dir, "rc4.pfx");
        execFileSync("openssl", [
          "pkcs12",
          "-export",
          ...RC4_KEY,
          "-in",
          join(dir, `${alg}.crt`),
          "-inkey",
          join(dir, `${alg}.key`),
          "-passout",
          `pass:${password}`,
          "-out",
          out,
        ]);
        files.set("rc4", { pfx: await readFile(out), certPem: issued.certPem });
      }
    }
  });

  for (const alg of ["ecdsa-p256", "rsa-2048"]) {
    for (const form of Object.keys(FORMS)) {
      test(`an ${alg} key and its certificate are read from the ${form} form`, async () => {
        const file = files.get(`${alg} ${form}`);
        assert.ok(file);
        const contents = await readPfx(file.pfx, password);
        assert.deepEqual(contents.certificate, decodeCertificateText(file.certPem));
        assert.equal(contents.certificates.length, 2, "the end-entity certificate and the CA");
        assert.notDeepEqual(contents.certificates[1], contents.certificate);
        await assertKeyMatchesCertificate(contents);
      });
    }
  }

  test("a key under an encryption the reader does not implement (RC4) is refused, naming its OID", async () => {
    const file = files.get("rc4");
    assert.ok(file);
    await assert.rejects(
      readPfx(file.pfx, password),
      /unsupported PFX algorithm: encryption 1\.2\.840\.113549\.1\.12\.1\.1$/,
    );
  });

  test("a wrong password is reported as such", async () => {
    const file = files.get(`ecdsa-p256 ${Object.keys(FORMS)[0]}`);
    assert.ok(file);
    await assert.rejects(readPfx(file.pfx, "not the password"), /wrong password/);
  });
});

interface GostVector {
  der_sha256: string;
  password: string;
  expected: { d_be_hex: string; public_key: { x_be_hex: string; y_be_hex: string } };
}

function gostVector(name: string): { der: Uint8Array; vector: GostVector } {
  const vector = readVectorJson<GostVector>(`gost-pfx/${name}.expected.json`);
  const der = new Uint8Array(Buffer.from(readVector(`gost-pfx/${name}.pfx.b64`).toString("ascii"), "base64"));
  assert.equal(createHash("sha256").update(der).digest("hex"), vector.der_sha256);
  return { der, vector };
}

const GOST_VECTORS = {
  "r50.1.112-2016-example":
    "R 50.1.112-2016: PBKDF2-HMAC-Streebog-512, GOST 28147-89 CFB, Streebog MAC, masked key",
  "bc-gost2001-foo123": "Bouncy Castle: PBKDF2-HMAC-GOST 34.11-94, GOST 28147-89 CFB, INTEGER key",
  "bc-cp-exported-gost2001": "Bouncy Castle: the same with key meshing over a 1281-byte certificate",
  "bc-openssl-gost2001-integer-key":
    "OpenSSL 1.x: 3DES key bag, RC2-40 certificate, SHA-1 MAC, INTEGER key with 00",
  "cryptopro-gost2012-256-pfx1":
    "CryptoPro CSP export: PBE 1.2.840.113549.1.12.1.80 key bag, 3DES certificates",
  "cryptopro-gost2012-256-pfx2":
    "CryptoPro CSP export: PBE 1.2.840.113549.1.12.1.80 key bag, AES-256 certificates",
  "tc26-pfx2020-a-clear-cert-kuznyechik-key": "TC26 2020: clear certificate, Kuznyechik CTR-ACPKM-OMAC key",
  "tc26-pfx2020-b-magma-cert-and-key":
    "TC26 2020: Magma CTR-ACPKM key, Magma CTR-ACPKM-OMAC certificate, 512-bit key",
} as const;

for (const [name, what] of Object.entries(GOST_VECTORS)) {
  test(`GOST PFX ${name} (${what}): d and d·G are the published ones and the key signs for its certificate`, async () => {
    const { der, vector } = gostVector(name);
    const contents = await readPfx(der, vector.password);
    const signer = await assertKeyMatchesCertificate(contents);
    assert.ok(signer.gost);
    const hex = (value: bigint) => value.toString(16).padStart(vector.expected.d_be_hex.length, "0");
    assert.equal(hex(signer.gost.d), vector.expected.d_be_hex);
    const point = signer.gost.publicKey.point.toAffine();
    assert.equal(hex(point.x), vector.expected.public_key.x_be_hex);
    assert.equal(hex(point.y), vector.expected.public_key.y_be_hex);
  });
}

test("a GOST PFX with a wrong password is reported as such (Streebog, GOST 34.11-94 and SHA-1 MACs)", async () => {
  for (const name of ["r50.1.112-2016-example", "bc-gost2001-foo123", "cryptopro-gost2012-256-pfx1"]) {
    await assert.rejects(readPfx(gostVector(name).der, "Пароль"), /wrong password/);
  }
});

test("a PFX in public-key integrity mode is refused, naming its authSafe type", async () => {
  const { der } = gostVector("tc26-pfx2020-c-public-key-mode");
  await assert.rejects(
    readPfx(der, ""),
    /unsupported PFX algorithm: authSafe of type 1\.2\.840\.113549\.1\.7\.2/,
  );
});

test("a PFX asking for an absurd iteration count is refused instead of hanging the reader", async () => {
  const pfx = asn1js.fromBER(gostVector("r50.1.112-2016-example").der).result as asn1js.Sequence;
  const macData = pfx.valueBlock.value[2] as asn1js.Sequence;
  macData.valueBlock.value[2] = new asn1js.Integer({ value: 2 ** 40 });
  const tampered = new Uint8Array(pfx.toBER(false));
  await assert.rejects(readPfx(tampered, "Пароль для PFX"), /unsupported PFX: iteration count 1099511627776/);
});

test("a MAC iteration count of 2 million (minutes of Streebog in JS) is refused before any hashing", async () => {
  const pfx = asn1js.fromBER(gostVector("r50.1.112-2016-example").der).result as asn1js.Sequence;
  const macData = pfx.valueBlock.value[2] as asn1js.Sequence;
  macData.valueBlock.value[2] = new asn1js.Integer({ value: 2_000_000 });
  const tampered = new Uint8Array(pfx.toBER(false));
  await assert.rejects(readPfx(tampered, "Пароль для PFX"), /unsupported PFX: iteration count 2000000/);
});

test("bytes that are not a PFX are refused without a crash", async () => {
  await assert.rejects(readPfx(new Uint8Array([1, 2, 3]), "x"), /malformed PFX/);
  await assert.rejects(readPfx(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x05]), "x"), /malformed PFX/);
});

/** A PFX with one clear SafeContents of an unencrypted key bag and cert bags, under a SHA-256 MAC. */
function buildPfx(
  password: string,
  bags: readonly { type: "key" | "cert"; der: Uint8Array; localKeyId?: number }[],
): Uint8Array {
  const safeBag = ({ type, der, localKeyId }: (typeof bags)[number]) => {
    const value =
      type === "key"
        ? asn1js.fromBER(der).result
        : new asn1js.Sequence({
            value: [
              new asn1js.ObjectIdentifier({ value: "1.2.840.113549.1.9.22.1" }),
              new asn1js.Constructed({
                idBlock: { tagClass: 3, tagNumber: 0 },
                value: [new asn1js.OctetString({ valueHex: der })],
              }),
            ],
          });
    const attributes =
      localKeyId === undefined
        ? []
        : [
            new asn1js.Set({
              value: [
                new asn1js.Sequence({
                  value: [
                    new asn1js.ObjectIdentifier({ value: "1.2.840.113549.1.9.21" }),
                    new asn1js.Set({
                      value: [new asn1js.OctetString({ valueHex: Uint8Array.of(localKeyId) })],
                    }),
                  ],
                }),
              ],
            }),
          ];
    return new asn1js.Sequence({
      value: [
        new asn1js.ObjectIdentifier({ value: `1.2.840.113549.1.12.10.1.${type === "key" ? 1 : 3}` }),
        new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [value] }),
        ...attributes,
      ],
    });
  };
  const dataContentInfo = (bytes: ArrayBuffer) =>
    new asn1js.Sequence({
      value: [
        new asn1js.ObjectIdentifier({ value: "1.2.840.113549.1.7.1" }),
        new asn1js.Constructed({
          idBlock: { tagClass: 3, tagNumber: 0 },
          value: [new asn1js.OctetString({ valueHex: bytes })],
        }),
      ],
    });
  const safeContents = new asn1js.Sequence({ value: bags.map(safeBag) }).toBER(false);
  const authSafe = new Uint8Array(
    new asn1js.Sequence({ value: [dataContentInfo(safeContents)] }).toBER(false),
  );
  const sha256 = digestByOid("2.16.840.1.101.3.4.2.1");
  const salt = new Uint8Array(8).fill(7);
  const mac = hmacOf(sha256, pkcs12Kdf(sha256, bmpPassword(password), salt, 1, 3, 32), authSafe);
  const macData = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({
        value: [
          new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: "2.16.840.1.101.3.4.2.1" })] }),
          new asn1js.OctetString({ valueHex: mac }),
        ],
      }),
      new asn1js.OctetString({ valueHex: salt }),
      new asn1js.Integer({ value: 1 }),
    ],
  });
  const pfx = new asn1js.Sequence({
    value: [new asn1js.Integer({ value: 3 }), dataContentInfo(authSafe.buffer as ArrayBuffer), macData],
  });
  return new Uint8Array(pfx.toBER(false));
}

/** The key and certificate of two different GOST vectors. */
async function twoGostIdentities() {
  const [a, b] = await Promise.all(
    ["r50.1.112-2016-example", "cryptopro-gost2012-256-pfx1"].map((name) => {
      const { der, vector } = gostVector(name);
      return readPfx(der, vector.password);
    }),
  );
  assert.ok(a && b);
  return { a, b };
}

test("a PFX whose only certificate belongs to another key is refused, not returned with that key", async () => {
  const { a, b } = await twoGostIdentities();
  const pfx = buildPfx("p", [
    { type: "key", der: a.privateKey },
    { type: "cert", der: b.certificate },
  ]);
  await assert.rejects(readPfx(pfx, "p"), /no certificate for its private key/);
});

test("a PFX whose localKeyId points at another key's certificate gives the key's own certificate", async () => {
  const { a, b } = await twoGostIdentities();
  const pfx = buildPfx("p", [
    { type: "key", der: a.privateKey, localKeyId: 1 },
    { type: "cert", der: b.certificate, localKeyId: 1 },
    { type: "cert", der: a.certificate, localKeyId: 2 },
  ]);
  const contents = await readPfx(pfx, "p");
  assert.deepEqual(contents.certificate, a.certificate);
  assert.deepEqual(contents.certificates, [a.certificate, b.certificate]);
  await assertKeyMatchesCertificate(contents);
});
