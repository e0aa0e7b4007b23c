import type * as pkijs from "pkijs";
import { type ParsedCertificate, parseCertificate } from "../../pki/certificate.ts";
import { createServerPki } from "../../server/verification/server-pki.ts";
import type { CliTrust } from "./trust.ts";

/** What `certchat pki verify` prints. */
export interface VerifyReport {
  valid: boolean;
  algorithm: string;
  layout?: string;
  signer?: { subject: string; issuer: string; serialNumber: string; fingerprintSha256: string };
  reason?: string;
}

/** A raw ("simple") signature over data with the certificate's key, then the certificate's chain. */
export async function verifyRawCommand(params: {
  cert: ParsedCertificate;
  data: Uint8Array;
  signature: Uint8Array;
  trust: CliTrust | undefined;
  now: Date;
}): Promise<VerifyReport> {
  const result = await createServerPki().verifyRawSignature(params.cert, params.data, params.signature);
  const report: VerifyReport = { ...result, signer: signerOf(params.cert) };
  return result.valid ? withChain(report, params.cert, params.trust, params.now) : report;
}

/** A CMS SignedData (attached, or detached with `data`), `cert` as a candidate signer, then the signer's chain. */
export async function verifyCmsCommand(params: {
  cert: ParsedCertificate;
  cms: Uint8Array;
  data: Uint8Array | undefined;
  trust: CliTrust | undefined;
  allowTestParameterSets: boolean;
  now: Date;
}): Promise<VerifyReport> {
  const pki = createServerPki({ allowTestParameterSets: params.allowTestParameterSets });
  const result = await pki.verifyCms(params.cms, {
    certificates: [params.cert],
    ...(params.data ? { data: params.data } : {}),
  });
  const signer = result.signer && asParsed(result.signer, params.cert);
  const report: VerifyReport = {
    valid: result.valid,
    algorithm: result.algorithm,
    ...(signer ? { signer: signerOf(signer) } : {}),
    ...(result.reason ? { reason: result.reason } : {}),
  };
  return result.valid && signer ? withChain(report, signer, params.trust, params.now) : report;
}

async function withChain(
  report: VerifyReport,
  cert: ParsedCertificate,
  trust: CliTrust | undefined,
  now: Date,
): Promise<VerifyReport> {
  if (!trust) return report;
  const status = await trust.store.check(cert, now);
  if (status.ok) return report;
  return { ...report, valid: false, reason: `certificate ${status.reason}: ${status.detail}` };
}

/** The given certificate when it is the signer (same TBS bytes), else the embedded one, parsed. */
function asParsed(signer: pkijs.Certificate, given: ParsedCertificate): ParsedCertificate {
  if (Buffer.from(signer.tbsView).equals(Buffer.from(given.certificate.tbsView))) return given;
  // pkijs rebuilds a parsed certificate around its stored TBS bytes, so the signature still matches them.
  return parseCertificate(new Uint8Array(signer.toSchema().toBER(false)));
}

function signerOf(cert: ParsedCertificate): NonNullable<VerifyReport["signer"]> {
  return {
    subject: cert.subjectDn,
    issuer: cert.issuerDn,
    serialNumber: cert.serialNumber,
    fingerprintSha256: cert.fingerprint,
  };
}
