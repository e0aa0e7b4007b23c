import { generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { appendFile, chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { hexToBytes } from "@noble/hashes/utils.js";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { decodeCertificateText, parseCertificate } from "../pki/certificate.ts";
import { createPki } from "../pki/create-pki.ts";
import { generateGostPrivateKey, gostPrivateKeyPem, gostSpkiDer } from "../pki/gost/keys.ts";
import { gostCertificateSigner } from "../pki/gost/signing.ts";
import { AttributeOid, SignatureOid } from "../pki/oids.ts";
import { encodePem } from "../pki/pem.ts";
import { importPrivateKey } from "../pki/private-key.ts";
import {
  buildCertificate,
  buildCrl,
  buildName,
  type CertificateSigner,
  keyIdentifierOf,
  type NameAttribute,
  randomSerialNumber,
} from "../pki/x509-builder.ts";

/**
 * A local certificate authority for trying certchat on one machine and for tests
 * (`certchat ca init|issue`). Not for production use: the CA key sits in a file.
 */

export type IssueAlgorithm =
  | "ecdsa-p256"
  | "ecdsa-p384"
  | "ecdsa-p521"
  | "rsa-2048"
  | "ed25519"
  | "gost2012-256"
  | "gost2012-512";

export const CA_CERT_FILE = "ca.pem";
export const CA_KEY_FILE = "ca-key.pem";
/** Serial numbers (hex) revoked with `certchat ca revoke`, one a line. */
export const REVOKED_FILE = "revoked.txt";
/** Where `certchat ca crl` writes the CRL unless told otherwise. */
export const CRL_FILE = "crl.pem";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

interface TestKeyPair {
  spki: Uint8Array;
  privateKeyPem: string;
  signer: CertificateSigner;
}

function generateKeyPair(alg: IssueAlgorithm): TestKeyPair {
  switch (alg) {
    case "ecdsa-p256":
      return nodeKeyPair(generateKeyPairSync("ec", { namedCurve: "P-256" }));
    case "ecdsa-p384":
      return nodeKeyPair(generateKeyPairSync("ec", { namedCurve: "P-384" }));
    case "ecdsa-p521":
      return nodeKeyPair(generateKeyPairSync("ec", { namedCurve: "P-521" }));
    case "rsa-2048":
      return nodeKeyPair(generateKeyPairSync("rsa", { modulusLength: 2048 }));
    case "ed25519":
      return nodeKeyPair(generateKeyPairSync("ed25519"));
    case "gost2012-256":
    case "gost2012-512": {
      const key = generateGostPrivateKey(alg);
      return {
        spki: gostSpkiDer(key),
        privateKeyPem: gostPrivateKeyPem(key),
        signer: gostCertificateSigner(key),
      };
    }
    default:
      throw new Error(`unknown key algorithm: ${String(alg)}`);
  }
}

function nodeKeyPair({
  privateKey,
  publicKey,
}: {
  privateKey: KeyObject;
  publicKey: KeyObject;
}): TestKeyPair {
  return {
    spki: new Uint8Array(publicKey.export({ format: "der", type: "spki" })),
    privateKeyPem: privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
    signer: signerForKey(privateKey),
  };
}

export interface CreatedCa {
  certPath: string;
  keyPath: string;
  certPem: string;
}

export async function createTestCa(
  dir: string,
  opts: { name?: string; alg?: IssueAlgorithm } = {},
): Promise<CreatedCa> {
  const keyPair = generateKeyPair(opts.alg ?? "ecdsa-p256");
  const name = buildName([
    { oid: AttributeOid.commonName, value: opts.name ?? "certchat Test CA" },
    { oid: AttributeOid.organization, value: "certchat test" },
    { oid: AttributeOid.country, value: "RU" },
  ]);
  const now = Date.now();
  const der = await buildCertificate(
    {
      subject: name,
      issuer: name,
      serialNumber: randomSerialNumber(),
      notBefore: new Date(now - HOUR_MS),
      notAfter: new Date(now + 10 * 365 * DAY_MS),
      spki: keyPair.spki,
      isCA: true,
      keyUsage: { keyCertSign: true, cRLSign: true },
    },
    keyPair.signer,
  );
  await mkdir(dir, { recursive: true });
  const certPath = join(dir, CA_CERT_FILE);
  const keyPath = join(dir, CA_KEY_FILE);
  const certPem = encodePem("CERTIFICATE", der);
  // "wx" fails if the file exists: an existing CA is never overwritten. The key goes first so that a
  // half-written CA cannot be mistaken for a complete one.
  await writeFile(keyPath, keyPair.privateKeyPem, { mode: 0o600, flag: "wx" }).catch((error: unknown) => {
    throw refuseOverwrite(error, dir);
  });
  await writeFile(certPath, certPem, { mode: 0o644, flag: "wx" }).catch((error: unknown) => {
    throw refuseOverwrite(error, dir);
  });
  return { certPath, keyPath, certPem };
}

function refuseOverwrite(error: unknown, dir: string): unknown {
  if ((error as NodeJS.ErrnoException).code === "EEXIST") return new Error(`a CA already exists in ${dir}`);
  return error;
}

/** A signer for a freshly generated node:crypto key (P-256, RSA or Ed25519). */
/** ECDSA with each NIST curve's own hash (node names the curves prime256v1, secp384r1, secp521r1). */
const ECDSA_BY_CURVE: Readonly<Record<string, { hash: string; signatureOid: string }>> = {
  prime256v1: { hash: "sha256", signatureOid: SignatureOid.ecdsaWithSha256 },
  "P-256": { hash: "sha256", signatureOid: SignatureOid.ecdsaWithSha256 },
  secp384r1: { hash: "sha384", signatureOid: SignatureOid.ecdsaWithSha384 },
  secp521r1: { hash: "sha512", signatureOid: SignatureOid.ecdsaWithSha512 },
};

export function signerForKey(privateKey: KeyObject): CertificateSigner {
  switch (privateKey.asymmetricKeyType) {
    case "ec": {
      const curve = privateKey.asymmetricKeyDetails?.namedCurve;
      const ecdsa = curve === undefined ? undefined : ECDSA_BY_CURVE[curve];
      if (!ecdsa) throw new Error(`unsupported CA curve: ${curve}`);
      return {
        algorithm: new pkijs.AlgorithmIdentifier({ algorithmId: ecdsa.signatureOid }),
        sign: async (tbs) => new Uint8Array(sign(ecdsa.hash, tbs, { key: privateKey, dsaEncoding: "der" })),
      };
    }
    case "rsa":
      return {
        algorithm: new pkijs.AlgorithmIdentifier({
          algorithmId: SignatureOid.sha256WithRsa,
          algorithmParams: new asn1js.Null(),
        }),
        sign: async (tbs) => new Uint8Array(sign("sha256", tbs, privateKey)),
      };
    case "ed25519":
      return {
        algorithm: new pkijs.AlgorithmIdentifier({ algorithmId: SignatureOid.ed25519 }),
        sign: async (tbs) => new Uint8Array(sign(null, tbs, privateKey)),
      };
    default:
      throw new Error(`unsupported signing key type: ${privateKey.asymmetricKeyType}`);
  }
}

interface LoadedCa {
  certificate: ReturnType<typeof parseCertificate>;
  signer: CertificateSigner;
}

async function loadCa(caDir: string): Promise<LoadedCa> {
  const [certPem, keyPem] = await Promise.all([
    readFile(join(caDir, CA_CERT_FILE), "utf8"),
    readFile(join(caDir, CA_KEY_FILE), "utf8"),
  ]);
  return {
    certificate: parseCertificate(decodeCertificateText(certPem)),
    signer: await importPrivateKey(keyPem),
  };
}

export interface IssueOptions {
  /** "Фамилия Имя Отчество": SN = the first word, G = the rest, CN = the whole. */
  name: string;
  snils?: string;
  /** 12 digits → INN (a person's); 10 digits → INNLE (a legal entity's). */
  inn?: string;
  ogrn?: string;
  ogrnip?: string;
  org?: string;
  title?: string;
  alg?: IssueAlgorithm;
  notBefore?: Date;
  notAfter?: Date;
  /** "encipher-only" issues a certificate whose key may not sign (for negative tests). */
  keyUsage?: "sign" | "encipher-only";
}

export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
  der: Uint8Array;
}

function subjectAttributes(opts: IssueOptions): NameAttribute[] {
  const fullName = opts.name.trim().replace(/\s+/g, " ");
  if (!fullName) throw new Error("a name is required");
  const [surname = fullName, ...given] = fullName.split(" ");
  const attributes: NameAttribute[] = [{ oid: AttributeOid.country, value: "RU" }];
  const add = (oid: string, value: string | undefined) => {
    if (value) attributes.push({ oid, value });
  };
  add(AttributeOid.organization, opts.org);
  add(AttributeOid.title, opts.title);
  add(AttributeOid.surname, surname);
  add(AttributeOid.givenName, given.join(" "));
  add(AttributeOid.snils, opts.snils?.replace(/[\s-]/g, ""));
  add(opts.inn?.length === 10 ? AttributeOid.innle : AttributeOid.inn, opts.inn);
  add(AttributeOid.ogrn, opts.ogrn);
  add(AttributeOid.ogrnip, opts.ogrnip);
  add(AttributeOid.commonName, fullName);
  return attributes;
}

export async function issueTestCertificate(caDir: string, opts: IssueOptions): Promise<IssuedCertificate> {
  const keyPair = generateKeyPair(opts.alg ?? "ecdsa-p256");
  const ca = await loadCa(caDir);
  const now = Date.now();
  const der = await buildCertificate(
    {
      subject: buildName(subjectAttributes(opts)),
      issuer: ca.certificate.certificate.subject,
      serialNumber: randomSerialNumber(),
      notBefore: opts.notBefore ?? new Date(now - HOUR_MS),
      notAfter: opts.notAfter ?? new Date(now + 365 * DAY_MS),
      spki: keyPair.spki,
      isCA: false,
      keyUsage:
        opts.keyUsage === "encipher-only"
          ? { keyEncipherment: true, keyAgreement: true }
          : { digitalSignature: true, nonRepudiation: true },
      authorityKeyId: keyIdentifierOf(ca.certificate.certificate.subjectPublicKeyInfo),
    },
    ca.signer,
  );
  return { certPem: encodePem("CERTIFICATE", der), keyPem: keyPair.privateKeyPem, der };
}

export async function writeIssued(
  outDir: string,
  issued: IssuedCertificate,
): Promise<{ certPath: string; keyPath: string }> {
  await mkdir(outDir, { recursive: true });
  const certPath = join(outDir, "cert.pem");
  const keyPath = join(outDir, "key.pem");
  await writeFile(keyPath, issued.keyPem, { mode: 0o600 });
  await chmod(keyPath, 0o600); // `mode` applies only when the file is created
  await writeFile(certPath, issued.certPem, { mode: 0o644 });
  return { certPath, keyPath };
}

export interface IssuedCrl {
  crlPem: string;
  der: Uint8Array;
}

/** A CRL signed by the test CA listing the given serial numbers (hex, as in ParsedCertificate). */
export async function createTestCrl(
  caDir: string,
  opts: { revokedSerials: string[]; thisUpdate?: Date; nextUpdate?: Date; crlNumber?: number },
): Promise<IssuedCrl> {
  const ca = await loadCa(caDir);
  const thisUpdate = opts.thisUpdate ?? new Date(Date.now() - HOUR_MS);
  const der = await buildCrl(
    {
      issuer: ca.certificate.certificate.subject,
      issuerKeyId: keyIdentifierOf(ca.certificate.certificate.subjectPublicKeyInfo),
      thisUpdate,
      nextUpdate: opts.nextUpdate ?? new Date(thisUpdate.getTime() + 7 * DAY_MS),
      crlNumber: opts.crlNumber ?? 1,
      revoked: opts.revokedSerials.map((serial) => ({
        serialNumber: hexToBytes(serial.length % 2 ? `0${serial}` : serial),
        revocationDate: thisUpdate,
      })),
    },
    ca.signer,
  );
  return { crlPem: encodePem("X509 CRL", der), der };
}

/** The serial numbers `revokeTestCertificate` recorded, in order. */
export async function listRevokedSerials(caDir: string): Promise<string[]> {
  const text = await readFile(join(caDir, REVOKED_FILE), "utf8").catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "";
    throw error;
  });
  return text.split("\n").filter((line) => /^[0-9a-f]+$/.test(line));
}

/** Records a certificate of this test CA as revoked (the next `createTestCrl` lists it); returns its serial. */
export async function revokeTestCertificate(caDir: string, certText: string | Uint8Array): Promise<string> {
  const ca = await loadCa(caDir);
  const certificate = parseCertificate(decodeCertificateText(certText));
  // Names alone do not tell test CAs apart (they share theirs): the signature must be this CA's.
  const issued = await createPki().verifyIssuedBy(certificate, ca.certificate);
  if (!issued) throw new Error("the certificate was not issued by this test CA");
  const serial = certificate.serialNumber;
  if (!(await listRevokedSerials(caDir)).includes(serial))
    await appendFile(join(caDir, REVOKED_FILE), `${serial}\n`);
  return serial;
}

/**
 * Writes a CRL listing every certificate revoked so far to `outPath`, through a temporary file and a rename,
 * so that a server reloading it never reads half a file. Its CRL number is the time in seconds (increasing).
 */
export async function writeTestCrl(caDir: string, outPath: string): Promise<{ revoked: number }> {
  const revokedSerials = await listRevokedSerials(caDir);
  const crl = await createTestCrl(caDir, { revokedSerials, crlNumber: Math.floor(Date.now() / 1000) });
  await mkdir(dirname(outPath), { recursive: true });
  const temporary = `${outPath}.${process.pid}.tmp`;
  await writeFile(temporary, crl.crlPem, { mode: 0o644 });
  await rename(temporary, outPath);
  return { revoked: revokedSerials.length };
}
