/**
 * Makes GOST available to every verification path of one PKI instance: its pkijs engine (certificates, CRLs,
 * CMS), raw signatures (`verifyRawSignature`) and the digests CMS needs for its message-digest attribute.
 * Importing this module does nothing; `createPki` calls `addGostAlgorithms` for its own set.
 */
import { createGost341194 } from "../../crypto/gost/gost341194.ts";
import { streebog256, streebog512 } from "../../crypto/gost/streebog.ts";
import type { PkiAlgorithms } from "../algorithms.ts";
import { gostCertificateSignatureVerifier } from "./certificate-signatures.ts";
import type { GostPublicKeyCache } from "./public-keys.ts";
import { gostRawSignatureVerifier } from "./raw-signatures.ts";
import { GostDigestOid, gostSignatureAlgorithmOids } from "./schemes.ts";

export function addGostAlgorithms(algorithms: PkiAlgorithms, keys: GostPublicKeyCache): void {
  algorithms.setCertificateSignatureVerifier(
    gostSignatureAlgorithmOids(),
    gostCertificateSignatureVerifier(keys),
  );
  algorithms.setRawVerifier(["gost2012-256", "gost2012-512", "gost2001"], gostRawSignatureVerifier(keys));
  algorithms.addDigest({ oid: GostDigestOid.streebog256, name: "STREEBOG-256", digest: streebog256 });
  algorithms.addDigest({ oid: GostDigestOid.streebog512, name: "STREEBOG-512", digest: streebog512 });
  // CMS with GOST R 34.10-2001 signs with CryptoPro parameters (RFC 4490 §2).
  algorithms.addDigest({
    oid: GostDigestOid.gostr341194,
    name: "GOSTR3411-94",
    digest: (data) => createGost341194().update(data).digest(),
  });
}
