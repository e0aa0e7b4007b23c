import { findCurveByOid } from "../crypto/gost/curves.ts";
import type { KeyAlgorithm, ParsedCertificate } from "./certificate.ts";

const GOST_ALGORITHMS: ReadonlySet<KeyAlgorithm> = new Set(["gost2001", "gost2012-256", "gost2012-512"]);

/**
 * The key-agreement group of a certificate's key: `"<key algorithm>:<curve domain>"` for a GOST key (static
 * VKO needs the wrapper's key on the recipient's curve), null for any other key (an ephemeral ECDH or RSA wrap
 * works from any certificate). The curve is named by its domain, so parameter sets that are the same curve
 * (CryptoPro-A, XchA, tc26-256-B) give one group; an unknown parameter set is named by its OID.
 */
export function keyAgreementGroup(
  certificate: Pick<ParsedCertificate, "keyAlgorithm" | "keyParamsOid">,
): string | null {
  if (!GOST_ALGORITHMS.has(certificate.keyAlgorithm)) return null;
  const oid = certificate.keyParamsOid;
  const domain =
    oid === undefined ? "unknown" : (findCurveByOid(oid, { allowTest: true })?.domainName ?? oid);
  return `${certificate.keyAlgorithm}:${domain}`;
}
