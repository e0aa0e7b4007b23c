/**
 * Signing with GOST keys for the test CA, the CLI and the SDK: hedged deterministic nonces, blinded scalar
 * arithmetic and noble's constant-time k·G (see signGostDigest for what JS can and cannot promise).
 */

import * as pkijs from "pkijs";
import { type GostSignatureLayout, signGostDigest } from "../../crypto/gost/gost3410.ts";
import type { CertificateSigner } from "../x509-builder.ts";
import type { GostPrivateKey } from "./keys.ts";

/** Signs certificates, CRLs and CMS: signatureAlgorithm without parameters (RFC 9215), value s || r big-endian. */
export function gostCertificateSigner(key: GostPrivateKey): CertificateSigner {
  return {
    algorithm: new pkijs.AlgorithmIdentifier({ algorithmId: key.scheme.signatureOid }),
    sign: async (tbs) => signGostData(key, tbs, "standard"),
  };
}

/** Hash with the key's hash, then sign; "cryptoapi" is the layout CryptoPro clients send. */
export function signGostData(key: GostPrivateKey, data: Uint8Array, layout: GostSignatureLayout): Uint8Array {
  return signGostDigest({
    curve: key.curve,
    privateKey: key.d,
    digest: key.scheme.hash(data),
    layout,
  });
}
