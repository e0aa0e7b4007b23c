import { createHash } from "node:crypto";
import { BoundedCache } from "../../lib/bounded-cache.ts";
import {
  CertificateError,
  MAX_CERTIFICATE_BYTES,
  type ParsedCertificate,
  parseCertificate,
} from "../../pki/certificate.ts";
import type { Pki } from "../../pki/create-pki.ts";
import { MAX_SIGNATURE_BYTES } from "../../pki/signature.ts";

/**
 * The CPU-heavy part of a login, as one function the main thread and the verification workers share:
 * parse the certificate, validate it against the trust store, verify a raw signature with its key.
 */

/** A parsed certificate without its pkijs object: what crosses a thread boundary (structured clone). */
export type CertificateFacts = Omit<ParsedCertificate, "certificate">;

export interface LoginCheckInput {
  der: Uint8Array;
  /** Signature of `der` itself (the spec's /api/auth/). */
  signature: Uint8Array;
  /** Milliseconds since the epoch: the instant the validity period and chain are checked at. */
  now: number;
}

export interface SignatureCheckInput {
  der: Uint8Array;
  data: Uint8Array;
  signature: Uint8Array;
}

export interface Refusal {
  ok: false;
  /** certificate: unparsable, untrusted, revoked, not yet valid, may not sign. */
  problem: "certificate" | "expired" | "signature";
  detail: string;
}

/** `qualified`: the certificate chains through a CA marked qualified, so its Russian IDs may key its profile. */
export type LoginVerdict =
  | { ok: true; certificate: CertificateFacts; algorithm: string; qualified: boolean }
  | Refusal;
export type SignatureVerdict = { ok: true; algorithm: string } | Refusal;

/** Where AuthService sends its checks: in this thread, or to the verification pool. */
export interface LoginChecker {
  checkLogin(input: LoginCheckInput): Promise<LoginVerdict>;
  checkSignature(input: SignatureCheckInput): Promise<SignatureVerdict>;
}

/** The size limits the parsers enforce anyway, checked up front so absurd input is never queued. */
export function refuseOversized(input: { der: Uint8Array; signature: Uint8Array }): Refusal | undefined {
  if (input.der.byteLength > MAX_CERTIFICATE_BYTES) {
    return {
      ok: false,
      problem: "certificate",
      detail: `certificate too large (${input.der.byteLength} bytes)`,
    };
  }
  if (input.signature.byteLength > MAX_SIGNATURE_BYTES) {
    return {
      ok: false,
      problem: "signature",
      detail: `signature too large (${input.signature.byteLength} bytes)`,
    };
  }
  return undefined;
}

export async function checkLogin(pki: Pki, input: LoginCheckInput): Promise<LoginVerdict> {
  const parsed = parse(input.der);
  if (!parsed.ok) return parsed;
  const certificate = parsed.certificate;
  // The subject's fields become the profile's stored text, where PostgreSQL refuses a NUL (the login would be a
  // failed query there, and a name with a NUL on SQLite): no person's name holds one.
  if (Object.values(certificate.subject).some((value) => value.includes("\u0000")))
    return { ok: false, problem: "certificate", detail: "a subject attribute holds a NUL character" };
  const status = await pki.checkCertificate(certificate, new Date(input.now));
  if (!status.ok) {
    return {
      ok: false,
      problem: status.reason === "expired" ? "expired" : "certificate",
      detail: status.detail,
    };
  }
  const verdict = await pki.verifyRawSignature(certificate, input.der, input.signature);
  if (!verdict.valid) return { ok: false, problem: "signature", detail: verdict.reason ?? "does not verify" };
  const { certificate: _pkijs, ...facts } = certificate;
  return { ok: true, certificate: facts, algorithm: verdict.algorithm, qualified: status.qualified };
}

export async function checkSignature(pki: Pki, input: SignatureCheckInput): Promise<SignatureVerdict> {
  const parsed = parse(input.der);
  if (!parsed.ok) return parsed;
  const verdict = await pki.verifyRawSignature(parsed.certificate, input.data, input.signature);
  if (!verdict.valid) return { ok: false, problem: "signature", detail: verdict.reason ?? "does not verify" };
  return { ok: true, algorithm: verdict.algorithm };
}

/**
 * Certificates parsed on this thread, by SHA-256 of their DER: a user logs in with the same certificate again
 * and again, and parsing it (asn1js, pkijs) cost more than verifying its signatures. Only successes are kept;
 * a parsed certificate is never modified.
 */
const parsedCertificates = new BoundedCache<string, ParsedCertificate>(1000);

function parse(der: Uint8Array): { ok: true; certificate: ParsedCertificate } | Refusal {
  try {
    const key = createHash("sha256").update(der).digest("base64");
    let certificate = parsedCertificates.get(key);
    if (!certificate) {
      certificate = parseCertificate(der);
      parsedCertificates.set(key, certificate);
    }
    return { ok: true, certificate };
  } catch (error) {
    if (error instanceof CertificateError)
      return { ok: false, problem: "certificate", detail: error.message };
    throw error;
  }
}

/** Checks on the calling thread: for tests, tools and the benchmark's baseline. */
export class InThreadLoginChecker implements LoginChecker {
  constructor(private readonly pki: Pki) {}

  checkLogin(input: LoginCheckInput): Promise<LoginVerdict> {
    return checkLogin(this.pki, input);
  }

  checkSignature(input: SignatureCheckInput): Promise<SignatureVerdict> {
    return checkSignature(this.pki, input);
  }
}
