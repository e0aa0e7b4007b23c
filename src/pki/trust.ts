import { bytesToHex } from "@noble/hashes/utils.js";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { BoundedCache } from "../lib/bounded-cache.ts";
import { CertificateError, type ParsedCertificate, parseCertificate, serialHex } from "./certificate.ts";
import { endEntityProblem } from "./end-entity-policy.ts";
import { ExtensionOid } from "./oids.ts";

/** `qualified`: the path runs through a CA marked as an issuer of qualified certificates (docs/DECISIONS.md §4). */
export type ChainStatus =
  | { ok: true; qualified: boolean }
  | {
      ok: false;
      reason: "expired" | "not-yet-valid" | "untrusted" | "revoked" | "bad-key-usage" | "invalid";
      detail: string;
    };

export type CrlInput = Uint8Array | pkijs.CertificateRevocationList;

export interface TrustMaterial {
  anchors: Uint8Array[];
  crls: Uint8Array[];
  /** Fingerprints of the anchors marked qualified. */
  qualified: string[];
}

/**
 * What a trust store is made of: CA certificates (parsed, or DER), CRLs, and the SHA-256 fingerprints of the
 * configured CAs whose certificates may assert Russian IDs. `TrustMaterial` is one.
 */
export interface TrustInput {
  anchors: readonly (ParsedCertificate | Uint8Array)[];
  crls?: readonly CrlInput[];
  qualified?: Iterable<string>;
}

/** Configured CAs of one subject DN holding more than one key (TrustStore.sharedNames). */
export interface SharedCaName {
  subjectDn: string;
  /** The SHA-256 fingerprints of their certificates' DER, in configured order. */
  fingerprints: string[];
}

/** What a store borrows from its PKI instance (createPki). */
export interface TrustContext {
  /** The instance's pkijs engine: every chain and CRL signature is checked through it. */
  engine: pkijs.CryptoEngine;
  /** Prepares the anchors' keys (GOST precomputation) once, rather than on first use. */
  warm(anchors: readonly ParsedCertificate[]): void;
}

/**
 * The configured trust anchors (and intermediates) and CRLs, and RFC 5280 path validation against
 * them through pkijs. Configured certificates that are self-issued are roots; the others are
 * intermediates, except that one whose issuer is not configured is trusted as an anchor itself
 * (the operator named it, and nothing above it could be checked).
 */
export class TrustStore {
  readonly anchors: ParsedCertificate[];
  private readonly roots: pkijs.Certificate[];
  private readonly intermediates: ParsedCertificate[];
  private readonly crls: pkijs.CertificateRevocationList[];
  /** The configured CAs marked qualified, as the objects validated paths are made of. */
  private readonly qualifiedCas: Set<pkijs.Certificate>;
  private readonly qualifiedFingerprints: string[];
  /** Subject DNs of the CAs marked qualified and of configured CAs named under one (qualifiedNamesOf). */
  private readonly qualifiedNames: Set<string>;
  private readonly engine: pkijs.CryptoEngine;
  /**
   * Validated paths by end-entity fingerprint. A path's signatures, path lengths and anchors never change, so
   * a path found once stays valid while every certificate on it is within its validity period (checked on
   * each use); revocation and key usage are checked on every call as before.
   */
  private readonly validatedPaths = new BoundedCache<string, pkijs.Certificate[]>(10_000);
  /** CRL → issuer certificate → did the CRL's signature verify with it. */
  private readonly crlSignatureCache = new WeakMap<
    pkijs.CertificateRevocationList,
    Map<pkijs.Certificate, boolean>
  >();

  constructor(input: TrustInput, context: TrustContext) {
    const parsed = input.anchors.map((a) => (a instanceof Uint8Array ? parseCertificate(a) : a));
    const anchors = [...new Map(parsed.map((a) => [a.fingerprint, a])).values()];
    this.anchors = anchors;
    this.crls = (input.crls ?? []).map(toCrl);
    this.engine = context.engine;
    const isSelfIssued = (c: ParsedCertificate) => c.certificate.subject.isEqual(c.certificate.issuer);
    const issuerIsConfigured = (c: ParsedCertificate) =>
      anchors.some((other) => other !== c && other.certificate.subject.isEqual(c.certificate.issuer));
    this.intermediates = anchors.filter((c) => !isSelfIssued(c) && issuerIsConfigured(c));
    const roots = anchors
      .filter((c) => !this.intermediates.includes(c))
      .map((c) => ({ fingerprint: c.fingerprint, certificate: asTrustAnchor(c.certificate) }));
    this.roots = roots.map((root) => root.certificate);
    const qualified = new Set(input.qualified ?? []);
    this.qualifiedCas = new Set(
      [...roots, ...this.intermediates].filter((c) => qualified.has(c.fingerprint)).map((c) => c.certificate),
    );
    this.qualifiedFingerprints = anchors
      .filter((a) => qualified.has(a.fingerprint))
      .map((a) => a.fingerprint);
    this.qualifiedNames = qualifiedNamesOf(anchors, qualified);
    // Every chain ends in one of these keys: prepare their tables once rather than on first use.
    context.warm(anchors);
  }

  /** The anchors exactly as received; CRLs re-wrapped around their original signed TBS bytes. */
  material(): TrustMaterial {
    return {
      anchors: this.anchors.map((anchor) => anchor.der),
      crls: this.crls.map((crl) => new Uint8Array(crl.toSchema(false).toBER(false))),
      qualified: this.qualifiedFingerprints,
    };
  }

  /**
   * Validity period first (so an expired certificate is reported as expired whatever else is wrong),
   * then the chain, then revocation and key usage. Never throws.
   */
  async check(cert: ParsedCertificate, now: Date = new Date()): Promise<ChainStatus> {
    try {
      if (!cert?.certificate) return { ok: false, reason: "invalid", detail: "not a parsed certificate" };
      if (now > cert.notAfter) {
        return { ok: false, reason: "expired", detail: `expired at ${cert.notAfter.toISOString()}` };
      }
      if (now < cert.notBefore) {
        return { ok: false, reason: "not-yet-valid", detail: `valid from ${cert.notBefore.toISOString()}` };
      }
      let chain = this.cachedPath(cert, now) ?? (await this.buildChain(cert, now));
      if (!Array.isArray(chain)) return chain;
      let revoked = await this.findRevoked(chain);
      // A revoked intermediate may have a valid twin (a cross-certificate: same subject and key, another
      // issuer): RFC 5280 §6 wants one valid path, and pkijs returns one path without looking at CRLs. So the
      // path is built again without each revoked intermediate, until one holds or none is left.
      const excluded = new Set<pkijs.Certificate>();
      while (revoked && revoked.at > 0) {
        const intermediate = chain[revoked.at];
        if (
          !intermediate ||
          excluded.has(intermediate) ||
          !this.intermediates.some((c) => c.certificate === intermediate)
        )
          break;
        excluded.add(intermediate);
        const other = await this.buildChain(cert, now, excluded);
        if (!Array.isArray(other)) break;
        chain = other;
        revoked = await this.findRevoked(chain);
      }
      this.validatedPaths.set(cert.fingerprint, chain);
      if (revoked) return { ok: false, reason: "revoked", detail: revoked.detail };
      if (cert.keyUsage && !cert.keyUsage.digitalSignature && !cert.keyUsage.nonRepudiation) {
        return {
          ok: false,
          reason: "bad-key-usage",
          detail: "keyUsage allows neither digitalSignature nor nonRepudiation",
        };
      }
      const problem = endEntityProblem(cert.certificate);
      if (problem) return { ok: false, ...problem };
      // The end-entity itself is never its own authority, even when the operator listed it.
      const qualified = chain.slice(1).some((ca) => this.qualifiedCas.has(ca));
      // A profile without SNILS is keyed by issuer and subject DN (the SDK's identity too): another configured CA
      // taking a qualified CA's name would issue its holders' very keys (docs/DECISIONS.md §33).
      if (!qualified && this.qualifiedNames.has(cert.issuerDn))
        return {
          ok: false,
          reason: "untrusted",
          detail: `issued in the name of a CA marked qualified (${cert.issuerDn}) by a CA not marked qualified`,
        };
      return { ok: true, qualified };
    } catch (error) {
      return { ok: false, reason: "invalid", detail: `validation failed: ${(error as Error).message}` };
    }
  }

  /**
   * Serial numbers (hex, as ParsedCertificate has them) listed on the CRLs that a configured certificate
   * signed: the candidates for a revocation re-check, which `check` then confirms per certificate.
   */
  async revokedSerials(): Promise<Set<string>> {
    const serials = new Set<string>();
    for (const crl of this.crls) {
      const issuers = this.anchors.filter((anchor) => anchor.certificate.subject.isEqual(crl.issuer));
      let signed = false;
      for (const issuer of issuers) signed ||= await this.crlIsSignedBy(crl, issuer.certificate);
      if (!signed) continue;
      for (const entry of crl.revokedCertificates ?? []) {
        serials.add(serialHex(entry.userCertificate.valueBlock.valueHexView));
      }
    }
    return serials;
  }

  /**
   * The CRLs that no configured CA entitled to sign CRLs signed: they revoke nothing here (a CRL of another CA, a
   * forged one). For a warning: such a CRL is otherwise taken without a word.
   */
  async unsignedCrls(): Promise<pkijs.CertificateRevocationList[]> {
    const unsigned: pkijs.CertificateRevocationList[] = [];
    for (const crl of this.crls) {
      let signed = false;
      for (const issuer of this.anchors.filter((anchor) => anchor.certificate.subject.isEqual(crl.issuer)))
        signed ||= await this.crlIsSignedBy(crl, issuer.certificate);
      if (!signed) unsigned.push(crl);
    }
    return unsigned;
  }

  /**
   * The configured CAs (anchors and intermediates) that share a subject DN but hold different keys, by name, where
   * the name is not a qualified CA's: their holders are identified by `dn:<issuer DN>|<subject DN>`, the issuer by
   * name only, so a holder of one and a holder of another with the same subject DN share one identity and profile.
   * One CA's key rollover looks just the same, so this is for a warning (docs/DECISIONS.md §39). A qualified name
   * is left out: a path that is not qualified is refused under it (`check`, §33).
   */
  sharedNames(): SharedCaName[] {
    const byName = new Map<string, ParsedCertificate[]>();
    for (const ca of this.anchors) {
      if (this.qualifiedNames.has(ca.subjectDn)) continue;
      byName.set(ca.subjectDn, [...(byName.get(ca.subjectDn) ?? []), ca]);
    }
    const keyOf = (ca: ParsedCertificate) =>
      bytesToHex(ca.certificate.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView);
    return [...byName]
      .filter(([, cas]) => new Set(cas.map(keyOf)).size > 1)
      .map(([subjectDn, cas]) => ({ subjectDn, fingerprints: cas.map((ca) => ca.fingerprint) }));
  }

  /**
   * Subject DNs (as ParsedCertificate formats them) of the configured intermediate CAs listed on a CRL that
   * their issuer signed, and of the configured CAs issued under one: every certificate they issued is a
   * candidate for a revocation re-check, which `check` then confirms per certificate (a name alone does not
   * make the path).
   */
  async revokedAuthorities(): Promise<Set<string>> {
    const revoked = new Set<ParsedCertificate>();
    for (const ca of this.intermediates) {
      const issuers = this.anchors.filter(
        (anchor) => anchor !== ca && anchor.certificate.subject.isEqual(ca.certificate.issuer),
      );
      for (const crl of this.crls) {
        if (!crl.issuer.isEqual(ca.certificate.issuer) || !crl.isCertificateRevoked(ca.certificate)) continue;
        for (const issuer of issuers) {
          if (await this.crlIsSignedBy(crl, issuer.certificate)) revoked.add(ca);
        }
      }
    }
    for (let grew = revoked.size > 0; grew; ) {
      grew = false;
      for (const ca of this.intermediates) {
        if (revoked.has(ca)) continue;
        if ([...revoked].some((above) => above.certificate.subject.isEqual(ca.certificate.issuer))) {
          revoked.add(ca);
          grew = true;
        }
      }
    }
    return new Set([...revoked].map((ca) => ca.subjectDn));
  }

  /**
   * Subject DNs (as ParsedCertificate formats them) of the configured CAs that still have a path at `now`: an
   * anchor within its validity, and an intermediate within its own whose configured issuer is current too. A
   * stored certificate whose issuer is none of them has lost its path — its CA, or one above it, was taken
   * off the trust list or expired before it — and is a candidate for a re-check, which `check` then confirms.
   */
  currentAuthorities(now: Date): Set<string> {
    const valid = (ca: ParsedCertificate) => ca.notBefore <= now && now <= ca.notAfter;
    const current = new Set(this.anchors.filter((ca) => !this.intermediates.includes(ca) && valid(ca)));
    for (let grew = true; grew; ) {
      grew = false;
      for (const ca of this.intermediates) {
        if (current.has(ca) || !valid(ca)) continue;
        if ([...current].some((above) => above.certificate.subject.isEqual(ca.certificate.issuer))) {
          current.add(ca);
          grew = true;
        }
      }
    }
    return new Set([...current].map((ca) => ca.subjectDn));
  }

  /** A path validated earlier, if every certificate on it is still within its validity period at `now`. */
  private cachedPath(cert: ParsedCertificate, now: Date): pkijs.Certificate[] | undefined {
    const path = this.validatedPaths.get(cert.fingerprint);
    if (!path) return undefined;
    const current = path.every((c) => c.notBefore.value <= now && now <= c.notAfter.value);
    if (current) return path;
    this.validatedPaths.delete(cert.fingerprint);
    return undefined;
  }

  /** The validated path, end-entity first and trust anchor last, or why there is none. */
  private async buildChain(
    cert: ParsedCertificate,
    now: Date,
    excluded: ReadonlySet<pkijs.Certificate> = new Set(),
  ): Promise<pkijs.Certificate[] | ChainStatus> {
    const engine = new pkijs.CertificateChainValidationEngine({
      trustedCerts: this.roots,
      // pkijs takes the last entry of `certs` as the end-entity, and drops duplicates, so the
      // end-entity must not also appear among the intermediates.
      certs: [
        ...this.intermediates
          .filter((c) => c.fingerprint !== cert.fingerprint && !excluded.has(c.certificate))
          .map((c) => c.certificate),
        cert.certificate,
      ],
      checkDate: now,
    });
    const result = await engine.verify({}, this.engine);
    if (!result.result || !result.certificatePath) {
      return { ok: false, reason: "untrusted", detail: result.resultMessage || "no path to a trust anchor" };
    }
    const path = result.certificatePath;
    const pathLenProblem = checkPathLength(path);
    if (pathLenProblem) return { ok: false, reason: "untrusted", detail: pathLenProblem };
    return path;
  }

  /** The first revoked certificate on the path (its index: 0 the end-entity), described, if any. */
  private async findRevoked(path: pkijs.Certificate[]): Promise<{ at: number; detail: string } | undefined> {
    if (this.crls.length === 0) return undefined;
    for (let i = 0; i < path.length - 1; i++) {
      const subject = path[i];
      const issuer = path[i + 1];
      if (!subject || !issuer) continue;
      for (const crl of this.crls) {
        if (!crl.issuer.isEqual(subject.issuer) || !crl.isCertificateRevoked(subject)) continue;
        // Only a CRL signed by the certificate's own issuer counts. A CRL past its nextUpdate still
        // counts: revocations are permanent, and a stale list is no reason to accept a listed certificate.
        if (await this.crlIsSignedBy(crl, issuer)) {
          const serial = bytesToHex(subject.serialNumber.valueBlock.valueHexView);
          return {
            at: i,
            detail: i === 0 ? `certificate ${serial} is revoked` : `issuer certificate ${serial} is revoked`,
          };
        }
      }
    }
    return undefined;
  }

  private async crlIsSignedBy(
    crl: pkijs.CertificateRevocationList,
    issuer: pkijs.Certificate,
  ): Promise<boolean> {
    let perIssuer = this.crlSignatureCache.get(crl);
    if (!perIssuer) {
      perIssuer = new Map();
      this.crlSignatureCache.set(crl, perIssuer);
    }
    const cached = perIssuer.get(issuer);
    if (cached !== undefined) return cached;
    let verified = false;
    try {
      verified = allowsCrlSigning(issuer) && (await crl.verify({ issuerCertificate: issuer }, this.engine));
    } catch {
      verified = false;
    }
    perIssuer.set(issuer, verified);
    return verified;
  }
}

/**
 * Subject DNs (as ParsedCertificate formats them) that only a qualified path may issue under: the CAs marked
 * qualified, and configured CAs whose issuer DN is one of these (an accredited CA's unmarked intermediate; a CA
 * claiming such a parent without one is refused along with what it issues, which is the point). By name, as the
 * profile key is.
 */
function qualifiedNamesOf(anchors: readonly ParsedCertificate[], marked: ReadonlySet<string>): Set<string> {
  const names = new Set(anchors.filter((ca) => marked.has(ca.fingerprint)).map((ca) => ca.subjectDn));
  for (let grew = names.size > 0; grew; ) {
    grew = false;
    for (const ca of anchors) {
      if (names.has(ca.subjectDn) || ca.issuerDn === ca.subjectDn || !names.has(ca.issuerDn)) continue;
      names.add(ca.subjectDn);
      grew = true;
    }
  }
  return names;
}

/**
 * The anchor as pkijs should see it. RFC 5280 §6.1 takes the trust anchor as input and checks basicConstraints
 * only on intermediates, but pkijs demands cA of every certificate above the end-entity, anchors included; an
 * anchor without basicConstraints (older roots, the TC26 examples) gets a copy that says cA. The copy keeps
 * the original signed bytes (tbsView), so every signature check sees exactly what the CA signed.
 */
function asTrustAnchor(certificate: pkijs.Certificate): pkijs.Certificate {
  const extensions = certificate.extensions ?? [];
  if (extensions.some((e) => e.extnID === ExtensionOid.basicConstraints)) return certificate;
  const anchor = pkijs.Certificate.fromBER(certificate.toSchema().toBER(false));
  const constraints = new pkijs.BasicConstraints({ cA: true });
  anchor.extensions = [
    ...extensions,
    new pkijs.Extension({
      extnID: ExtensionOid.basicConstraints,
      critical: true,
      extnValue: constraints.toSchema().toBER(false),
      parsedValue: constraints,
    }),
  ];
  return anchor;
}

function allowsCrlSigning(issuer: pkijs.Certificate): boolean {
  const keyUsage = issuer.extensions?.find((e) => e.extnID === ExtensionOid.keyUsage)?.parsedValue;
  if (!(keyUsage instanceof asn1js.BitString)) return true;
  return ((keyUsage.valueBlock.valueHexView[0] ?? 0) & 0x02) !== 0;
}

/** RFC 5280 §4.2.1.9: a CA's pathLenConstraint limits the non-self-issued CAs below it. pkijs skips this. */
function checkPathLength(path: pkijs.Certificate[]): string | undefined {
  for (let i = 1; i < path.length; i++) {
    const ca = path[i];
    const constraints = ca?.extensions?.find((e) => e.extnID === ExtensionOid.basicConstraints)?.parsedValue;
    if (!(constraints instanceof pkijs.BasicConstraints) || constraints.pathLenConstraint === undefined)
      continue;
    const limit =
      typeof constraints.pathLenConstraint === "number" ? constraints.pathLenConstraint : Number.NaN;
    const below = path.slice(1, i).filter((c) => !c.subject.isEqual(c.issuer)).length;
    if (!(below <= limit)) return `pathLenConstraint ${limit} exceeded (${below} intermediate CAs below)`;
  }
  return undefined;
}

export function parseCrl(der: Uint8Array): pkijs.CertificateRevocationList {
  const asn1 = asn1js.fromBER(der);
  if (asn1.offset === -1) throw new CertificateError(`CRL is not DER: ${asn1.result.error}`);
  try {
    return new pkijs.CertificateRevocationList({ schema: asn1.result });
  } catch (error) {
    throw new CertificateError(`not a CRL: ${(error as Error).message}`);
  }
}

function toCrl(input: CrlInput): pkijs.CertificateRevocationList {
  return input instanceof pkijs.CertificateRevocationList ? input : parseCrl(input);
}
