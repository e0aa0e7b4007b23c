import { type ParsedCertificate, parseCertificate } from "../../pki/certificate.ts";
import type { TrustStore } from "../../pki/trust.ts";
import {
  findCertificateById,
  listUnrevokedSerials,
  markCertificatesRevoked,
} from "../storage/repositories/certificates.ts";
import type { Executor } from "../storage/repositories/executor.ts";

/** Certificates read per query while looking for revoked ones. */
const PAGE = 1000;

/**
 * Marks revoked the stored certificates that the trust store's CRLs list, or whose issuing CA they list, and
 * those no configured CA vouches for any more (their CA was taken off the trust list, or expired before them),
 * which ends their sessions on every node (SessionService refuses them, InvalidCertificate: what a login with
 * them gets). Serial numbers and CAs' names pick the candidates cheaply; each candidate is then checked in
 * full (path, issuer, CRL signature) before it is marked. Returns how many were marked.
 */
export async function markRevokedCertificates(db: Executor, trust: TrustStore, now: number): Promise<number> {
  const serials = await trust.revokedSerials();
  const authorities = await trust.revokedAuthorities();
  const current = trust.currentAuthorities(new Date(now));
  const isCandidate = (row: { serial: string; issuer_dn: string }) =>
    serials.has(row.serial) || authorities.has(row.issuer_dn) || !current.has(row.issuer_dn);
  let marked = 0;
  let afterId = 0;
  for (;;) {
    const page = await listUnrevokedSerials(db, afterId, PAGE);
    const revoked: number[] = [];
    for (const candidate of page.filter(isCandidate)) {
      const row = await findCertificateById(db, candidate.id);
      if (row && (await lostTrust(trust, row.der, now))) revoked.push(row.id);
    }
    await db.transaction().execute((trx) => markCertificatesRevoked(trx, revoked, now));
    marked += revoked.length;
    const last = page.at(-1);
    if (!last || page.length < PAGE) return marked;
    afterId = last.id;
  }
}

/**
 * Revoked, or without a trusted path now; an expired certificate's sessions end by its own notAfter. A stored
 * DER that does not parse (no login stores one) is left alone rather than stopping the check of the rest.
 */
async function lostTrust(trust: TrustStore, der: Uint8Array, now: number): Promise<boolean> {
  let certificate: ParsedCertificate;
  try {
    certificate = parseCertificate(der);
  } catch {
    return false;
  }
  const status = await trust.check(certificate, new Date(now));
  return !status.ok && (status.reason === "revoked" || status.reason === "untrusted");
}
