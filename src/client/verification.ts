/**
 * Checks a message's signatures against its sender's certificate: raw `sign` values and detached `cms`
 * through a PKI instance (src/pki: the server's verifiers, without its Node-only accelerations).
 */
import { equalBytes } from "@noble/curves/utils.js";
import { parseCertificate } from "../pki/certificate.ts";
import { createPki, type Pki } from "../pki/create-pki.ts";

/** What a client may say about a message: never "accepted" without a check that passed. */
export type SignatureStatus = "verified" | "invalid" | "unknown-certificate";

export interface SignatureVerifier {
  raw(certificate: Uint8Array, data: Uint8Array, signature: Uint8Array): Promise<boolean>;
  cms(certificate: Uint8Array, data: Uint8Array, cms: Uint8Array): Promise<boolean>;
}

/** A verifier on its own PKI instance (made here unless given): works in Node and in browsers. */
export function signatureVerifier(pki: Pki = createPki()): SignatureVerifier {
  return {
    async raw(certificate, data, signature) {
      const result = await pki.verifyRawSignature(parseCertificate(certificate), data, signature);
      return result.valid;
    },
    async cms(certificate, data, cms) {
      const expected = parseCertificate(certificate);
      const result = await pki.verifyCms(cms, { data, certificates: [expected] });
      // The CMS may embed any certificate: it counts only when its signer holds the sender's key.
      return result.valid && result.signer !== undefined && sameKey(result.signer, expected.certificate);
    },
  };
}

type PkijsCertificate = ReturnType<typeof parseCertificate>["certificate"];

function sameKey(a: PkijsCertificate, b: PkijsCertificate): boolean {
  const keyOf = (certificate: PkijsCertificate) =>
    new Uint8Array(certificate.subjectPublicKeyInfo.toSchema().toBER(false));
  return equalBytes(keyOf(a), keyOf(b));
}
