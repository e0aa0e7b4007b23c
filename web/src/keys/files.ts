/**
 * Key sources from files chosen in the page: a certificate (PEM/DER) with its PKCS#8 key (PEM/DER, plain or
 * encrypted: EncryptedPrivateKeyInfo under PBES2 or a PKCS#12 PBE, decrypted by the shared PKI's PFX code),
 * or a PKCS#12 container (.pfx/.p12, standard or GOST TC26 / CryptoPro). The bytes never leave the page.
 */
import * as asn1js from "asn1js";
import { loadSigner, loadSignerFromPfx } from "../../../src/client/signing.ts";
import { decodeCertificateText } from "../../../src/pki/certificate.ts";
import { decodePemBlocks, looksLikePem } from "../../../src/pki/pem.ts";
import { decryptWithPassword } from "../../../src/pki/pfx/decrypt.ts";
import { UserFacingError } from "../errors.ts";
import { t } from "../i18n/index.ts";
import type { KeySource, Signer } from "./key-source.ts";

export interface KeyFiles {
  readonly certificate: Uint8Array;
  readonly key: Uint8Array;
  /** The password of an encrypted PKCS#8 key; ignored for a plain one. */
  readonly password?: string;
}

export interface PfxFile {
  readonly pfx: Uint8Array;
  readonly password: string;
}

export function keyFilesSource(files: KeyFiles): KeySource {
  return {
    kind: "files",
    async open(): Promise<Signer> {
      let certificate: Uint8Array;
      try {
        certificate = decodeCertificateText(files.certificate);
      } catch {
        throw new UserFacingError(t.errors.certificateUnreadable);
      }
      const pkcs8 = await plainPkcs8(files.key, files.password ?? "");
      try {
        return await loadSigner(certificate, pkcs8);
      } catch {
        throw new UserFacingError(t.errors.keyUnreadable);
      }
    },
  };
}

export function pfxSource(file: PfxFile): KeySource {
  return {
    kind: "pfx",
    async open(): Promise<Signer> {
      try {
        return await loadSignerFromPfx(file.pfx, file.password);
      } catch (error) {
        const message = error instanceof Error ? error.message : "";
        if (message.startsWith("wrong password")) throw new UserFacingError(t.errors.wrongPassword);
        throw new UserFacingError(`${t.errors.pfxUnreadable} ${message}`);
      }
    },
  };
}

/** The DER of a PKCS#8 PrivateKeyInfo: as given, or decrypted from an EncryptedPrivateKeyInfo. */
async function plainPkcs8(key: Uint8Array, password: string): Promise<Uint8Array> {
  const der = keyDer(key);
  const parsed = asn1js.fromBER(der);
  const sequence = parsed.offset === -1 ? undefined : parsed.result;
  if (!(sequence instanceof asn1js.Sequence)) throw new UserFacingError(t.errors.keyUnreadable);
  const [first, second] = sequence.valueBlock.value;
  // PrivateKeyInfo starts with its version (INTEGER); EncryptedPrivateKeyInfo with an AlgorithmIdentifier.
  if (first instanceof asn1js.Integer) return der;
  if (!(first instanceof asn1js.Sequence) || !(second instanceof asn1js.OctetString))
    throw new UserFacingError(t.errors.keyUnreadable);
  if (!password) throw new UserFacingError(t.errors.encryptedKeyNeedsPassword);
  let decrypted: Uint8Array;
  try {
    decrypted = await decryptWithPassword(first, new Uint8Array(second.valueBlock.valueHexView), password);
  } catch {
    throw new UserFacingError(t.errors.wrongPassword);
  }
  // A wrong password decrypts to garbage (or fails the padding): what comes out must be a PrivateKeyInfo.
  const inner = asn1js.fromBER(decrypted);
  if (inner.offset === -1 || !(inner.result instanceof asn1js.Sequence))
    throw new UserFacingError(t.errors.wrongPassword);
  return decrypted;
}

function keyDer(key: Uint8Array): Uint8Array {
  const text = new TextDecoder().decode(key);
  if (!looksLikePem(text)) return key;
  const block = decodePemBlocks(text).find((candidate) => candidate.label.endsWith("PRIVATE KEY"));
  if (!block) throw new UserFacingError(t.errors.keyUnreadable);
  return block.der;
}
