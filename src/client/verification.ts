/**
 * Checks a message's signatures against its sender's certificate: raw `sign` values and detached `cms`
 * through a PKI instance (src/pki: the server's verifiers, without its Node-only accelerations).
 */
import { bytesToHex, equalBytes } from "@noble/curves/utils.js";
import { BoundedCache } from "../lib/bounded-cache.ts";
import { type ParsedCertificate, parseCertificate } from "../pki/certificate.ts";
import { createPki, type Pki } from "../pki/create-pki.ts";

/** What a client may say about a message: never "accepted" without a check that passed. */
export type SignatureStatus = "verified" | "invalid" | "unknown-certificate";

export interface SignatureVerifier {
  raw(certificate: Uint8Array, data: Uint8Array, signature: Uint8Array): Promise<boolean>;
  cms(certificate: Uint8Array, data: Uint8Array, cms: Uint8Array): Promise<boolean>;
}

/**
 * Certificates a verifier keeps parsed. A client checks the same few certificates again and again — every chat
 * of a list checks its key row's wrapper, its binding and its preview's sender, most of them the user's own or a
 * contact's — and parsing one (asn1js) cost more than the ECDSA verification itself: 38% of the web page's
 * CPU while it loaded a 200-chat list (docs/PERFORMANCE.md, "web").
 */
const PARSED_CERTIFICATES = 512;
/**
 * And at most this much DER in all: a parsed certificate holds ~100–140 bytes of heap per byte of DER (asn1js
 * and pkijs objects; measured on real and on name-stuffed ones), and a hostile server may show 512 certificates
 * of 64 KiB each (~4.5 GB kept). 512 KiB keeps 512 certificates of 1 KiB or ~250 qualified ones (2 KiB), ~70 MB
 * at worst.
 */
const PARSED_CERTIFICATE_BYTES = 512 * 1024;

/** A verifier on its own PKI instance (made here unless given): works in Node and in browsers. */
export function signatureVerifier(pki: Pki = createPki()): SignatureVerifier {
  const parsed = new BoundedCache<string, ParsedCertificate>(PARSED_CERTIFICATES, {
    of: (certificate) => certificate.der.byteLength,
    max: PARSED_CERTIFICATE_BYTES,
  });
  // Keyed by the whole DER: the same bytes parse to the same certificate (the checks only read it).
  const parse = (der: Uint8Array): ParsedCertificate => {
    const key = bytesToHex(der);
    const known = parsed.get(key);
    if (known) return known;
    const fresh = parseCertificate(der);
    parsed.set(key, fresh);
    return fresh;
  };
  return {
    async raw(certificate, data, signature) {
      const result = await pki.verifyRawSignature(parse(certificate), data, signature);
      return result.valid;
    },
    async cms(certificate, data, cms) {
      const expected = parse(certificate);
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
