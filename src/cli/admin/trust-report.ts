import { existsSync } from "node:fs";
import { join } from "node:path";
import type { ParsedCertificate } from "../../pki/certificate.ts";
import { formatDistinguishedName } from "../../pki/distinguished-name.ts";
import type { ChainStatus, TrustStore } from "../../pki/trust.ts";
import type { Config } from "../../server/config.ts";
import { readTrustSources } from "../../server/trust-files.ts";
import { testCaDir } from "../../server/trust-setup.ts";
import { sharedCaNameWarnings } from "../../server/trust-warnings.ts";
import { createServerPki } from "../../server/verification/server-pki.ts";

/**
 * "qualified": the entry was marked; "unmarked": it was not (Russian ids then never merge profiles);
 * "test CA": the data directory's test CA, trusted because CERTCHAT_TRUST is unset.
 */
export type Qualification = "qualified" | "unmarked" | "test CA";

export interface AnchorReport {
  source: string;
  qualified: Qualification;
  /** root: self-issued; intermediate: its issuer is configured too; anchor: trusted as is, issuer not configured. */
  role: "root" | "intermediate" | "anchor";
  subject: string;
  issuer: string;
  fingerprint: string;
  notAfter: string;
  expired: boolean;
}

export interface CrlReport {
  source: string;
  issuer: string;
  thisUpdate: string;
  nextUpdate: string | null;
  /** Past nextUpdate: the issuer has (or should have) published a newer list. Revocations in it still count. */
  stale: boolean;
  revoked: number;
}

interface TrustEntry {
  path: string;
  qualified: Qualification;
}

/** The entries of CERTCHAT_TRUST with their marks, or the test CA when it is unset (if it exists). */
function trustEntries(config: Config): TrustEntry[] {
  if (config.trust.length === 0) {
    const testCa = join(testCaDir(config.dataDir), "ca.pem");
    return existsSync(testCa) ? [{ path: testCa, qualified: "test CA" }] : [];
  }
  return config.trust.map((path) => ({
    path,
    qualified: config.qualifiedTrust.includes(path) ? "qualified" : "unmarked",
  }));
}

/** Every configured anchor with the entry it came from, and the CRLs with their freshness at `now`. */
export class TrustReport {
  private constructor(
    readonly anchors: AnchorReport[],
    readonly crls: CrlReport[],
    /** What the server logs at start about this trust (CAs of one name with different keys, none qualified). */
    readonly warnings: string[],
    readonly store: TrustStore,
    private readonly byFingerprint: Map<string, { parsed: ParsedCertificate; report: AnchorReport }>,
  ) {}

  static async load(config: Config, now: Date): Promise<TrustReport> {
    const loaded: { parsed: ParsedCertificate; source: string; qualified: Qualification }[] = [];
    for (const entry of trustEntries(config)) {
      const { anchors } = await readTrustSources([{ path: entry.path, qualified: false }]);
      for (const parsed of anchors) loaded.push({ parsed, source: entry.path, ...entry });
    }
    const byFingerprint = new Map<string, { parsed: ParsedCertificate; report: AnchorReport }>();
    for (const { parsed, source, qualified } of loaded) {
      if (byFingerprint.has(parsed.fingerprint)) continue;
      const selfIssued = parsed.subjectDn === parsed.issuerDn;
      const issuerConfigured = loaded.some(
        (other) => other.parsed !== parsed && other.parsed.subjectDn === parsed.issuerDn,
      );
      byFingerprint.set(parsed.fingerprint, {
        parsed,
        report: {
          source,
          qualified,
          role: selfIssued ? "root" : issuerConfigured ? "intermediate" : "anchor",
          subject: parsed.subjectDn,
          issuer: parsed.issuerDn,
          fingerprint: parsed.fingerprint,
          notAfter: parsed.notAfter.toISOString(),
          expired: parsed.notAfter < now,
        },
      });
    }
    const crls: CrlReport[] = [];
    for (const source of config.crl) {
      for (const crl of (await readTrustSources([], [source])).crls) {
        const nextUpdate = crl.nextUpdate?.value;
        crls.push({
          source,
          issuer: formatDistinguishedName(crl.issuer),
          thisUpdate: crl.thisUpdate.value.toISOString(),
          nextUpdate: nextUpdate ? nextUpdate.toISOString() : null,
          stale: nextUpdate !== undefined && nextUpdate < now,
          revoked: crl.revokedCertificates?.length ?? 0,
        });
      }
    }
    // The same marks as the server's: the chain status says whether a certificate's Russian ids count.
    const sources = trustEntries(config).map((entry) => ({
      path: entry.path,
      qualified: entry.qualified !== "unmarked",
    }));
    const store = createServerPki().withTrust(await readTrustSources(sources, config.crl)).trust;
    const entries = [...byFingerprint.values()];
    const entryOf = new Map(entries.map(({ report }) => [report.fingerprint, report.source]));
    return new TrustReport(
      entries.map((entry) => entry.report),
      crls,
      sharedCaNameWarnings(store, entryOf),
      store,
      byFingerprint,
    );
  }

  /**
   * The chain status of `cert` at `now`, the configured certificates above it by name (issuer first, up to the
   * top one) and the CRLs of its issuer.
   */
  async check(
    cert: ParsedCertificate,
    now: Date,
  ): Promise<{
    status: ChainStatus;
    path: AnchorReport[];
    qualified: Qualification | null;
    issuerCrls: CrlReport[];
  }> {
    const status = await this.store.check(cert, now);
    const path: AnchorReport[] = [];
    let current = cert;
    while (current.subjectDn !== current.issuerDn && path.length < 10) {
      const issuer = [...this.byFingerprint.values()].find(
        (entry) => entry.parsed.subjectDn === current.issuerDn,
      );
      if (!issuer || path.includes(issuer.report)) break;
      path.push(issuer.report);
      current = issuer.parsed;
    }
    return {
      status,
      path,
      qualified: path.at(-1)?.qualified ?? null,
      issuerCrls: this.crls.filter((crl) => crl.issuer === cert.issuerDn),
    };
  }
}
