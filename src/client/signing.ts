/**
 * A user's signing identity in Node: the certificate and the PKCS#8 private key that belongs to it. It makes
 * the raw `sign` values (auth, confirmAuth, messages) and the detached `cms` over files, and holds the key the
 * chat-key unwrapping needs. Node-only: standard keys go through node:crypto, GOST keys through our own GOST
 * module (src/crypto/gost), read from the PKCS#8 form OpenSSL's gost engine writes.
 */
import { createHash, createPrivateKey } from "node:crypto";
import { decodeCertificateText } from "../server/pki/certificate.ts";
import { readGostPrivateKey } from "../server/pki/gost/keys.ts";
import { signRawForTest } from "../server/pki/raw-sign.ts";
import { signerFromPem } from "../server/pki/x509-builder.ts";
import { buildDetachedCms, type CmsSigner } from "./cms.ts";
import type { OwnKey } from "./crypto/index.ts";

export interface Signer {
  /** DER of the certificate. */
  readonly certificate: Uint8Array;
  /** The private key for chat keys: unwrapping ours, and wrapping for GOST members (static VKO). */
  readonly ownKey: OwnKey;
  /** Raw signature of data: ECDSA DER, RSA PKCS#1 v1.5 SHA-256, Ed25519, GOST in the CryptoAPI layout. */
  sign(data: Uint8Array): Uint8Array;
  /** Detached CMS SignedData of data. */
  cms(data: Uint8Array): Uint8Array;
}

const SHA256_OID = "2.16.840.1.101.3.4.2.1";
const SHA512_OID = "2.16.840.1.101.3.4.2.3";

/** `certificateText`: PEM or DER of the certificate; `keyPem`: its PKCS#8 private key. */
export function loadSigner(certificateText: string | Uint8Array, keyPem: string): Signer {
  const certificate = decodeCertificateText(certificateText);
  const certificateSigner = signerFromPem(keyPem);
  const gostKey = readGostPrivateKey(keyPem);
  const cmsSigner: CmsSigner = {
    certificate,
    signatureAlgorithm: certificateSigner.algorithm,
    sign: certificateSigner.sign,
    ...(gostKey
      ? { digestOid: gostKey.scheme.digestOid, digest: (data) => gostKey.scheme.hash(data) }
      : standardDigest(keyPem)),
  };
  const ownKey: OwnKey = gostKey
    ? { kind: "gost", curve: gostKey.curve, privateKey: gostKey.d }
    : {
        kind: "pkcs8",
        pkcs8: new Uint8Array(createPrivateKey(keyPem).export({ format: "der", type: "pkcs8" })),
      };
  return {
    certificate,
    ownKey,
    sign: (data) => signRawForTest(keyPem, data, gostKey ? "cryptoapi" : "der"),
    cms: (data) => buildDetachedCms(cmsSigner, data),
  };
}

/** Ed25519 signs with SHA-512 in CMS (RFC 8419); the P-256 and RSA signers use SHA-256. */
function standardDigest(keyPem: string): Pick<CmsSigner, "digestOid" | "digest"> {
  const hash = createPrivateKey(keyPem).asymmetricKeyType === "ed25519" ? "sha512" : "sha256";
  return {
    digestOid: hash === "sha512" ? SHA512_OID : SHA256_OID,
    digest: (data) => new Uint8Array(createHash(hash).update(data).digest()),
  };
}
