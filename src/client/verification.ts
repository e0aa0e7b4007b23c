/**
 * Checks a message's signatures against its sender's certificate, in Node: raw `sign` values and detached
 * `cms` through the same verifiers the server uses (node:crypto, and our GOST module for GOST keys).
 */
import { parseCertificate } from "../server/pki/certificate.ts";
import { verifyCmsSignedData } from "../server/pki/cms.ts";
import { verifyRawSignature } from "../server/pki/signature.ts";

/** What a client may say about a message: never "accepted" without a check that passed. */
export type SignatureStatus = "verified" | "invalid" | "unknown-certificate";

export interface SignatureVerifier {
  raw(certificate: Uint8Array, data: Uint8Array, signature: Uint8Array): Promise<boolean>;
  cms(certificate: Uint8Array, data: Uint8Array, cms: Uint8Array): Promise<boolean>;
}

export const nodeSignatureVerifier: SignatureVerifier = {
  async raw(certificate, data, signature) {
    const result = await verifyRawSignature(parseCertificate(certificate), data, signature);
    return result.valid;
  },
  async cms(certificate, data, cms) {
    const expected = parseCertificate(certificate);
    const result = await verifyCmsSignedData(cms, { data, certificates: [expected] });
    // The CMS may embed any certificate: it counts only when its signer holds the sender's key.
    return result.valid && result.signer !== undefined && sameKey(result.signer, expected.certificate);
  },
};

type PkijsCertificate = ReturnType<typeof parseCertificate>["certificate"];

function sameKey(a: PkijsCertificate, b: PkijsCertificate): boolean {
  const keyOf = (certificate: PkijsCertificate) =>
    Buffer.from(certificate.subjectPublicKeyInfo.toSchema().toBER(false)).toString("hex");
  return keyOf(a) === keyOf(b);
}
