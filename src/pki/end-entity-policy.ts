import * as asn1js from "asn1js";
import type * as pkijs from "pkijs";
import { ExtensionOid, KeyPurposeOid } from "./oids.ts";

/**
 * Extensions an end-entity certificate may mark critical: the ones login checks (keyUsage, extendedKeyUsage,
 * basicConstraints) or may accept whatever they say (names, policies under an any-policy relying party, key
 * identifiers, the private key's usage period, which bounds signing and not verification).
 */
const UNDERSTOOD_CRITICAL = new Set<string>([
  ExtensionOid.keyUsage,
  ExtensionOid.extKeyUsage,
  ExtensionOid.basicConstraints,
  ExtensionOid.subjectAltName,
  ExtensionOid.certificatePolicies,
  ExtensionOid.subjectKeyIdentifier,
  ExtensionOid.authorityKeyIdentifier,
  ExtensionOid.privateKeyUsagePeriod,
]);

/** extendedKeyUsage purposes that allow logging in (docs/OPERATIONS.md "Trust"). */
const LOGIN_PURPOSES = new Set<string>([
  KeyPurposeOid.anyExtendedKeyUsage,
  KeyPurposeOid.clientAuth,
  KeyPurposeOid.emailProtection,
  KeyPurposeOid.cryptoProRegistrationUser,
]);

export type EndEntityProblem = { reason: "invalid" | "bad-key-usage"; detail: string };

/**
 * What RFC 5280 forbids using this end-entity certificate for login, if anything: a CA certificate
 * (basicConstraints cA, §4.2.1.9), a critical extension this relying party does not understand (§4.2), or an
 * extendedKeyUsage without a purpose that covers login (§4.2.1.12). Without extendedKeyUsage any purpose is allowed.
 */
export function endEntityProblem(certificate: pkijs.Certificate): EndEntityProblem | undefined {
  const extensions = certificate.extensions ?? [];
  // A CA's certificate is an issuer's, not a person's, even when its key may sign (the Russian accredited CAs'
  // certificates carry digitalSignature beside keyCertSign): it never logs in nor receives keys.
  if (isCaCertificate(extensions))
    return { reason: "invalid", detail: "a CA certificate (basicConstraints cA)" };
  const unknown = extensions.find((e) => e.critical && !UNDERSTOOD_CRITICAL.has(e.extnID));
  if (unknown) return { reason: "invalid", detail: `unknown critical extension ${unknown.extnID}` };
  const eku = extensions.find((e) => e.extnID === ExtensionOid.extKeyUsage);
  if (!eku) return undefined;
  const purposes = keyPurposes(eku);
  if (purposes === undefined) return { reason: "invalid", detail: "extendedKeyUsage does not parse" };
  if (purposes.some((purpose) => LOGIN_PURPOSES.has(purpose))) return undefined;
  return { reason: "bad-key-usage", detail: `extendedKeyUsage ${purposes.join(", ")} does not allow login` };
}

/** The purposes of an extendedKeyUsage extension, read from its own bytes (undefined if malformed). */
function keyPurposes(extension: pkijs.Extension): string[] | undefined {
  const parsed = asn1js.fromBER(extension.extnValue.valueBlock.valueHexView);
  if (parsed.offset === -1 || !(parsed.result instanceof asn1js.Sequence)) return undefined;
  const purposes: string[] = [];
  for (const item of parsed.result.valueBlock.value) {
    if (!(item instanceof asn1js.ObjectIdentifier)) return undefined;
    purposes.push(item.valueBlock.toString());
  }
  return purposes.length > 0 ? purposes : undefined;
}

/** basicConstraints with cA true; a malformed one counts as CA (refused rather than trusted as a person's). */
function isCaCertificate(extensions: readonly pkijs.Extension[]): boolean {
  const constraints = extensions.find((e) => e.extnID === ExtensionOid.basicConstraints);
  if (!constraints) return false;
  const parsed = asn1js.fromBER(constraints.extnValue.valueBlock.valueHexView);
  if (parsed.offset === -1 || !(parsed.result instanceof asn1js.Sequence)) return true;
  const first = parsed.result.valueBlock.value[0];
  return first instanceof asn1js.Boolean && first.valueBlock.value;
}
