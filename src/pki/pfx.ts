/**
 * A PKCS#12 (.pfx/.p12) reader for password-protected files (RFC 7292): checks the MAC, decrypts the bags and
 * returns the certificates and the private key as PKCS#8 DER, the form `importPrivateKey` and `loadSigner` take.
 * Reads what OpenSSL 3 writes (PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC, SHA-256 MAC) and its legacy forms
 * (3DES, RC2, SHA-1 MAC), the GOST forms of R 50.1.112-2016 and Bouncy Castle (PBKDF2-HMAC-Streebog/GOST 34.11-94,
 * GOST 28147-89 CFB, Streebog or GOST 34.11-94 MAC), CryptoPro CSP exports and the password mode of the 2020 TC26
 * profile (Magma and Kuznyechik CTR-ACPKM). Which forms are read, and which not: docs/CRYPTO.md.
 * Isomorphic: no Node APIs.
 */
import * as asn1js from "asn1js";
import { parseCertificate } from "./certificate.ts";
import { createPki } from "./create-pki.ts";
import {
  children,
  explicitContent,
  implicitOctets,
  integerOf,
  octetsOf,
  oidOf,
  parseDer,
} from "./pfx/asn1.ts";
import { decryptWithPassword } from "./pfx/decrypt.ts";
import { digestByOid, hmacOf } from "./pfx/digests.ts";
import { bmpPassword, pbkdf2, pkcs12Kdf, utf8Password } from "./pfx/kdf.ts";
import { importPrivateKey } from "./private-key.ts";

export interface PfxContents {
  /** The certificate that belongs to the private key (DER). */
  readonly certificate: Uint8Array;
  /** Every certificate in the file, the key's first (DER). */
  readonly certificates: readonly Uint8Array[];
  /** The private key as PKCS#8 PrivateKeyInfo DER. */
  readonly privateKey: Uint8Array;
}

const ContentType = { data: "1.2.840.113549.1.7.1", encryptedData: "1.2.840.113549.1.7.6" } as const;
const BagType = {
  key: "1.2.840.113549.1.12.10.1.1",
  shroudedKey: "1.2.840.113549.1.12.10.1.2",
  cert: "1.2.840.113549.1.12.10.1.3",
  safeContents: "1.2.840.113549.1.12.10.1.6",
} as const;
const X509_CERTIFICATE = "1.2.840.113549.1.9.22.1";
const LOCAL_KEY_ID = "1.2.840.113549.1.9.21";

interface Bag {
  readonly localKeyId?: string;
  readonly der: Uint8Array;
}

/** Reads a PFX (DER). Throws "wrong password" when the MAC does not verify, and names any unsupported OID. */
export async function readPfx(pfx: Uint8Array, password: string): Promise<PfxContents> {
  const [version, authSafe, macData] = children(parseDer(pfx, "the file"), "PFX");
  if (integerOf(version, "PFX version") !== 3) throw new Error("malformed PFX: version is not 3");
  const [contentType, content] = children(authSafe, "authSafe");
  const authSafeType = oidOf(contentType, "authSafe content type");
  if (authSafeType !== ContentType.data) {
    throw new Error(
      `unsupported PFX algorithm: authSafe of type ${authSafeType} (public-key integrity mode)`,
    );
  }
  const authSafeBytes = octetsOf(explicitContent(content, "authSafe content"), "authSafe content");
  if (!macData) throw new Error("unsupported PFX: no MAC (only password integrity mode is read)");
  checkMac(macData, authSafeBytes, password);

  const keys: Bag[] = [];
  const certificates: Bag[] = [];
  for (const info of children(parseDer(authSafeBytes, "AuthenticatedSafe"), "AuthenticatedSafe")) {
    const safeContents = await openContentInfo(info, password);
    await collectBags(safeContents, password, keys, certificates);
  }
  const [key, ...otherKeys] = keys;
  if (!key) throw new Error("the PFX holds no private key");
  if (otherKeys.length > 0) throw new Error("the PFX holds more than one private key");
  const own = await certificateOfKey(key, certificates);
  if (!own) throw new Error("the PFX holds no certificate for its private key");
  return {
    certificate: own.der,
    certificates: [own.der, ...certificates.filter((bag) => bag !== own).map((bag) => bag.der)],
    privateKey: key.der,
  };
}

const pki = createPki();
const PROBE = new TextEncoder().encode("certchat: does this PFX key belong to this certificate?");

/**
 * The certificate whose public key is the key's: the key signs a probe and the certificate must verify it.
 * localKeyId only orders the candidates — a file may pair a key with someone else's certificate.
 */
async function certificateOfKey(key: Bag, certificates: readonly Bag[]): Promise<Bag | undefined> {
  const signature = await (await importPrivateKey(key.der)).signRaw(PROBE);
  const byId = (bag: Bag) => (key.localKeyId !== undefined && bag.localKeyId === key.localKeyId ? 0 : 1);
  for (const bag of [...certificates].sort((x, y) => byId(x) - byId(y))) {
    if (await verifies(bag.der, signature)) return bag;
  }
  return undefined;
}

async function verifies(certificateDer: Uint8Array, signature: Uint8Array): Promise<boolean> {
  try {
    return (await pki.verifyRawSignature(parseCertificate(certificateDer), PROBE, signature)).valid;
  } catch {
    return false; // a certificate we cannot parse or whose algorithm we do not verify is not the key's
  }
}

/**
 * MacData { mac DigestInfo, macSalt, iterations DEFAULT 1 }. The MAC key comes from PBKDF2 (UTF-8 password,
 * dkLen 96, last 32 bytes) for Streebog (R 50.1.112-2016), else from the PKCS#12 KDF (BMPString password).
 */
function checkMac(macData: asn1js.AsnType, authSafe: Uint8Array, password: string): void {
  const [digestInfo, salt, iterations] = children(macData, "MacData");
  const [algorithm, expected] = children(digestInfo, "MAC DigestInfo");
  const digest = digestByOid(oidOf(children(algorithm, "MAC algorithm")[0], "MAC digest"));
  const saltBytes = octetsOf(salt, "MAC salt");
  const count = iterations ? integerOf(iterations, "MAC iterations") : 1;
  const key =
    digest.macKdf === "pbkdf2"
      ? pbkdf2(digest, utf8Password(password), saltBytes, count, 96).subarray(64)
      : pkcs12Kdf(digest, bmpPassword(password), saltBytes, count, 3, digest.outputLength);
  const actual = hmacOf(digest, key, authSafe);
  const wanted = octetsOf(expected, "MAC value");
  let difference = actual.length ^ wanted.length;
  for (let i = 0; i < actual.length; i++) difference |= (actual[i] ?? 0) ^ (wanted[i] ?? 0);
  if (difference !== 0) throw new Error("wrong password: the PFX MAC does not verify");
}

/** A ContentInfo of the AuthenticatedSafe: data (SafeContents in the clear) or encryptedData (under the password). */
async function openContentInfo(info: asn1js.AsnType, password: string): Promise<Uint8Array> {
  const [contentType, content] = children(info, "ContentInfo");
  const type = oidOf(contentType, "ContentInfo type");
  if (type === ContentType.data) return octetsOf(explicitContent(content, "data"), "data");
  if (type === ContentType.encryptedData) {
    const [, encryptedContentInfo] = children(explicitContent(content, "encryptedData"), "EncryptedData");
    const [, algorithm, encrypted] = children(encryptedContentInfo, "EncryptedContentInfo");
    return decryptWithPassword(algorithm, implicitOctets(encrypted, "encryptedContent"), password);
  }
  throw new Error(`unsupported PFX algorithm: content of type ${type}`);
}

async function collectBags(
  safeContents: Uint8Array,
  password: string,
  keys: Bag[],
  certificates: Bag[],
): Promise<void> {
  for (const bag of children(parseDer(safeContents, "SafeContents"), "SafeContents")) {
    const [bagId, bagValue, attributes] = children(bag, "SafeBag");
    const type = oidOf(bagId, "SafeBag type");
    const value = explicitContent(bagValue, "SafeBag value");
    const localKeyId = localKeyIdOf(attributes);
    const withId = (der: Uint8Array): Bag => (localKeyId === undefined ? { der } : { der, localKeyId });
    if (type === BagType.key) keys.push(withId(new Uint8Array(value.toBER(false))));
    else if (type === BagType.shroudedKey) {
      const [algorithm, encrypted] = children(value, "EncryptedPrivateKeyInfo");
      keys.push(withId(await decryptWithPassword(algorithm, octetsOf(encrypted, "encrypted key"), password)));
    } else if (type === BagType.cert) {
      const [certId, certValue] = children(value, "CertBag");
      const certType = oidOf(certId, "CertBag type");
      if (certType !== X509_CERTIFICATE)
        throw new Error(`unsupported PFX algorithm: certificate type ${certType}`);
      certificates.push(withId(octetsOf(explicitContent(certValue, "certificate"), "certificate")));
    } else if (type === BagType.safeContents) {
      await collectBags(new Uint8Array(value.toBER(false)), password, keys, certificates);
    }
    // CRL and secret bags carry nothing a signer needs.
  }
}

function localKeyIdOf(attributes: asn1js.AsnType | undefined): string | undefined {
  if (!(attributes instanceof asn1js.Set)) return undefined;
  for (const attribute of attributes.valueBlock.value) {
    const [type, values] = children(attribute, "bag attribute");
    if (oidOf(type, "bag attribute type") !== LOCAL_KEY_ID) continue;
    const [value] = children(values, "localKeyId values");
    return hex(octetsOf(value, "localKeyId"));
  }
  return undefined;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
