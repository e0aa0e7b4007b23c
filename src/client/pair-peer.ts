/**
 * Who a personal chat's keys are bound to, as a user is to be shown it (docs/CRYPTO.md "Safety code of a personal
 * chat"): the peer's certificate identity and the subject of a certificate carrying it — never the profile's name
 * or phone, which are the server's word — and the safety code two people compare to know they agree on the pair.
 */
import { parseCertificate, readSubjectInfo, type SubjectInfo } from "../pki/certificate.ts";
import type { CertificateTrust } from "./certificate-trust.ts";
import type { PeerEvidence } from "./chat-bindings-book.ts";
import { safetyCode } from "./safety-code.ts";

/** A personal chat's other member as its keys are bound to it. */
export interface BoundPeer {
  readonly bound: true;
  /** The peer's certificate identity in the pair binding (`ru:<SNILS>:<OGRN/OGRNIP>`, else `dn:<issuer>|<subject>`). */
  readonly identity: string;
  /** The subject of the certificate shown: the peer's newest valid one the session knows with that identity. */
  readonly subject: SubjectInfo;
  readonly subjectDn: string;
  /** The issuing CA's common name (its organisation, else its whole name). */
  readonly issuer: string;
  readonly notAfter: Date;
  /** With anchors: the certificate chains to one now. Without: now is within its dates (nothing is checked). */
  readonly valid: boolean;
  /** Whether the session checks certificates: without anchors the identity is the server's word (as is the code). */
  readonly anchored: boolean;
  /** 60 digits in 12 space-separated groups of 5 (safety-code.ts), the same in both members' sessions. */
  readonly safetyCode: string;
}

/** A chat whose keys are bound to no person this session can name. */
export interface UnboundPeer {
  readonly bound: false;
  /** `not-personal`: a group or channel. `no-certificate`: no certificate carries the peer's identity. */
  readonly reason: "not-personal" | "no-certificate";
  readonly problem: string;
}

export type PairPeer = BoundPeer | UnboundPeer;

/** What `evidence` (ChatBindingsBook.peerOf) shows a user. */
export async function describePairPeer(
  evidence: PeerEvidence | "not-personal",
  trust: CertificateTrust,
): Promise<PairPeer> {
  if (evidence === "not-personal")
    return {
      bound: false,
      reason: "not-personal",
      problem: "not a personal chat: a group's or channel's keys are bound to no pair of people",
    };
  const shown = await newestValid(evidence.certificates, trust);
  if (!shown)
    return {
      bound: false,
      reason: "no-certificate",
      problem: `no certificate the session trusts names the chat's other member (profile ${evidence.peer.pid}): its keys are bound to no one it can show`,
    };
  const parsed = parseCertificate(shown.der);
  const issuer = readSubjectInfo(parsed.certificate.issuer);
  return {
    bound: true,
    identity: evidence.peer.identity,
    subject: parsed.subject,
    subjectDn: parsed.subjectDn,
    issuer: issuer.commonName ?? issuer.organization ?? parsed.issuerDn,
    notAfter: parsed.notAfter,
    valid: shown.valid,
    anchored: trust.anchored,
    safetyCode: safetyCode(evidence.pair.binding),
  };
}

/**
 * The certificate to show: with anchors only those that chain (or chained at their last valid moment — a
 * departed peer's), valid ones first, then the latest issued (a renewal over the certificate it replaces).
 */
async function newestValid(
  certificates: readonly Uint8Array[],
  trust: CertificateTrust,
): Promise<{ der: Uint8Array; valid: boolean } | undefined> {
  const now = Date.now();
  const candidates: { der: Uint8Array; valid: boolean; notBefore: number; notAfter: number }[] = [];
  for (const der of certificates) {
    if ((await trust.undatedChainProblem(der)) !== undefined) continue;
    const { notBefore, notAfter } = parseCertificate(der);
    const valid = trust.anchored
      ? (await trust.chainProblem(der)) === undefined
      : notBefore.getTime() <= now && now <= notAfter.getTime();
    candidates.push({ der, valid, notBefore: notBefore.getTime(), notAfter: notAfter.getTime() });
  }
  candidates.sort(
    (a, b) => Number(b.valid) - Number(a.valid) || b.notBefore - a.notBefore || b.notAfter - a.notAfter,
  );
  return candidates[0];
}
