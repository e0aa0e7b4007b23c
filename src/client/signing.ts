/**
 * A user's signing identity: the certificate and the PKCS#8 private key that belongs to it, read once. It makes
 * the raw `sign` values (auth, confirmAuth, messages) and the detached `cms` over files, and holds the key the
 * chat-key unwrapping needs. Runs in Node and in browsers: standard keys sign through WebCrypto (Ed25519
 * through noble), GOST keys through our own GOST module (src/crypto/gost), read from the PKCS#8 form
 * OpenSSL's gost engine writes.
 */
import { decodeCertificateText } from "../pki/certificate.ts";
import { readPfx } from "../pki/pfx.ts";
import { importPrivateKey } from "../pki/private-key.ts";
import { buildDetachedCms, type CmsSigner } from "./cms.ts";
import type { OwnKey } from "./crypto/index.ts";

export interface Signer {
  /** DER of the certificate. */
  readonly certificate: Uint8Array;
  /** The private key for chat keys: unwrapping ours, and wrapping for GOST members (static VKO). */
  readonly ownKey: OwnKey;
  /** Raw signature of data: ECDSA DER, RSA PKCS#1 v1.5 SHA-256, Ed25519, GOST in the CryptoAPI layout. */
  sign(data: Uint8Array): Promise<Uint8Array>;
  /** Detached CMS SignedData of data. */
  cms(data: Uint8Array): Promise<Uint8Array>;
}

/**
 * `certificateText`: PEM or DER of the certificate; `key`: its PKCS#8 private key, PEM (text or bytes) or DER.
 * The key is parsed and imported here, once.
 */
export async function loadSigner(
  certificateText: string | Uint8Array,
  key: string | Uint8Array,
): Promise<Signer> {
  const certificate = decodeCertificateText(certificateText);
  const privateKey = await importPrivateKey(key);
  const cmsSigner: CmsSigner = {
    certificate,
    signatureAlgorithm: privateKey.algorithm,
    sign: privateKey.sign,
    digestOid: privateKey.digestOid,
    digest: privateKey.digest,
  };
  const { gost } = privateKey;
  const ownKey: OwnKey = gost
    ? { kind: "gost", curve: gost.curve, privateKey: gost.d }
    : { kind: "pkcs8", pkcs8: privateKey.pkcs8 };
  return {
    certificate,
    ownKey,
    sign: (data) => privateKey.signRaw(data),
    cms: (data) => buildDetachedCms(cmsSigner, data),
  };
}

/**
 * The signer of a PKCS#12 file (.pfx/.p12, DER): the private key and the certificate that belongs to it. Throws
 * "wrong password" when the file's MAC does not verify; which PFX forms are read: docs/CRYPTO.md.
 */
export async function loadSignerFromPfx(pfx: Uint8Array, password: string): Promise<Signer> {
  const { certificate, privateKey } = await readPfx(pfx, password);
  return loadSigner(certificate, privateKey);
}
