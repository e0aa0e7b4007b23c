/**
 * Makes GOST available to every verification path: the pkijs engine (certificates, CRLs, CMS), raw
 * signatures (`verifyRawSignature`) and the digests CMS needs for its message-digest attribute. Importing
 * this module does nothing; `registerGostAlgorithms()` does it, and calling it again changes nothing.
 * pkijs-engine.ts and signature.ts call it, so whoever imports either (a worker thread too) has GOST.
 */
import { createGost341194 } from "../../../crypto/gost/gost341194.ts";
import { streebog256, streebog512 } from "../../../crypto/gost/streebog.ts";
import {
  registerCertificateSignatureAlgorithm,
  registerDigestAlgorithm,
  registerVerifier,
} from "../algorithm-registry.ts";
import { verifyGostCertificateSignature } from "./certificate-signatures.ts";
import { verifyGostRawSignature } from "./raw-signatures.ts";
import { GostDigestOid, gostSignatureAlgorithmOids } from "./schemes.ts";

let registered = false;

export function registerGostAlgorithms(): void {
  // Once only: a later call must not replace a verifier that an accelerator has wrapped since.
  if (registered) return;
  registered = true;
  registerCertificateSignatureAlgorithm(gostSignatureAlgorithmOids(), verifyGostCertificateSignature);
  registerVerifier(["gost2012-256", "gost2012-512", "gost2001"], verifyGostRawSignature);
  registerDigestAlgorithm({ oid: GostDigestOid.streebog256, name: "STREEBOG-256", digest: streebog256 });
  registerDigestAlgorithm({ oid: GostDigestOid.streebog512, name: "STREEBOG-512", digest: streebog512 });
  // CMS with GOST R 34.10-2001 signs with CryptoPro parameters (RFC 4490 §2).
  registerDigestAlgorithm({
    oid: GostDigestOid.gostr341194,
    name: "GOSTR3411-94",
    digest: (data) => createGost341194().update(data).digest(),
  });
}
