import { GOST_PARAM_SET_NAMES } from "../../crypto/gost/curves.ts";
import type { ParsedCertificate } from "../../pki/certificate.ts";
import { UNSUPPORTED_GOST_OIDS } from "../../pki/gost/schemes.ts";
import {
  type IdCheck,
  validateInn,
  validateOgrn,
  validateOgrnip,
  validateSnils,
} from "../../pki/russian-ids.ts";
import type { ChainStatus } from "../../pki/trust.ts";
import type { CliTrust } from "./trust.ts";

/** What `certchat pki inspect` prints for one certificate. */
export interface InspectReport {
  subject: ParsedCertificate["subject"] & { dn: string };
  russianIds: Record<string, IdCheck & { value: string }>;
  issuer: string;
  serialNumber: string;
  validity: { notBefore: string; notAfter: string };
  key: { algorithm: string; oid: string; parameterSet?: { oid: string; name?: string }; supported: boolean };
  signatureAlgorithm: string;
  fingerprintSha256: string;
  isCA: boolean;
  keyUsage?: ParsedCertificate["keyUsage"];
  chain: (ChainStatus & { trust: string }) | { ok: false; reason: "no-trust"; detail: string };
}

const ID_CHECKS: ReadonlyArray<[keyof ParsedCertificate["subject"], (value: string) => IdCheck]> = [
  ["snils", validateSnils],
  ["inn", validateInn],
  ["innle", validateInn],
  ["ogrn", validateOgrn],
  ["ogrnip", validateOgrnip],
];

export async function inspectCertificate(
  cert: ParsedCertificate,
  trust: CliTrust | undefined,
  now: Date,
): Promise<InspectReport> {
  const russianIds: InspectReport["russianIds"] = {};
  for (const [field, check] of ID_CHECKS) {
    const value = cert.subject[field];
    if (value !== undefined) russianIds[field] = { value, ...check(value) };
  }
  const paramSetName = cert.keyParamsOid ? GOST_PARAM_SET_NAMES.get(cert.keyParamsOid) : undefined;
  return {
    subject: { dn: cert.subjectDn, ...cert.subject },
    russianIds,
    issuer: cert.issuerDn,
    serialNumber: cert.serialNumber,
    validity: { notBefore: cert.notBefore.toISOString(), notAfter: cert.notAfter.toISOString() },
    key: {
      algorithm: UNSUPPORTED_GOST_OIDS.includes(cert.keyAlgorithmOid)
        ? "gost94 (unsupported)"
        : cert.keyAlgorithm,
      oid: cert.keyAlgorithmOid,
      ...(cert.keyParamsOid
        ? { parameterSet: { oid: cert.keyParamsOid, ...(paramSetName ? { name: paramSetName } : {}) } }
        : {}),
      supported: cert.keyAlgorithm !== "unknown",
    },
    signatureAlgorithm: cert.certificate.signatureAlgorithm.algorithmId,
    fingerprintSha256: cert.fingerprint,
    isCA: cert.isCA,
    ...(cert.keyUsage ? { keyUsage: cert.keyUsage } : {}),
    chain: trust
      ? { trust: trust.source, ...(await trust.store.check(cert, now)) }
      : { ok: false, reason: "no-trust", detail: "no --trust, CERTCHAT_TRUST or test CA" },
  };
}
