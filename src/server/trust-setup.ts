import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";
import type { Pki } from "../pki/create-pki.ts";
import type { TrustStore } from "../pki/trust.ts";
import { createTestCa } from "./test-ca.ts";
import { readTrustSources } from "./trust-files.ts";
import { sharedCaNameWarnings } from "./trust-warnings.ts";

export interface TrustSetup {
  /** The server's PKI instance with this trust. */
  pki: Pki;
  store: TrustStore;
  description: string;
  /** To log at start and at each reload (sharedCaNameWarnings). */
  warnings: string[];
}

export interface TrustSources {
  trust: string[];
  /** The entries of `trust` whose CAs issue qualified certificates (CERTCHAT_TRUST `qualified:` prefix). */
  qualifiedTrust: string[];
  crl: string[];
  dataDir: string;
}

/** The folder of the test CA that `certchat ca init` creates and the embedded default trusts. */
export function testCaDir(dataDir: string): string {
  return join(dataDir, "ca");
}

/**
 * The configured trust anchors, or, when CERTCHAT_TRUST is unset, the data directory's test CA (created on
 * first start so that the quick start works on a fresh machine) with a warning. The implicit test CA counts
 * as qualified: it is the only anchor, made by the operator on this machine, and the demo's renewals by
 * SNILS should work as with a real accredited CA (a new certificate still needs the profile's SMS code).
 */
export async function setUpTrust(options: TrustSources, logger: Logger, pki: Pki): Promise<TrustSetup> {
  if (options.trust.length === 0) {
    const dir = testCaDir(options.dataDir);
    if (!existsSync(join(dir, "ca.pem"))) await createTestCa(dir);
    logger.warn(`CERTCHAT_TRUST is unset: trusting only the test CA in ${dir} (not for production)`);
  }
  const setup = await loadTrust(options, pki);
  for (const warning of setup.warnings) logger.warn(warning);
  return setup;
}

/**
 * Reads the anchors and CRLs the settings name (again on reload) into `pki`'s algorithms and caches; throws if
 * a file is missing or broken.
 */
export async function loadTrust(options: TrustSources, pki: Pki): Promise<TrustSetup> {
  if (options.trust.length > 0) {
    const sources = options.trust.map((path) => ({ path, qualified: options.qualifiedTrust.includes(path) }));
    const files = await readTrustSources(sources, options.crl);
    const trusted = pki.withTrust(files);
    const store = trusted.trust;
    const crls = options.crl.length > 0 ? `, CRLs ${options.crl.join(", ")}` : "";
    const qualified = store.material().qualified.length;
    return {
      pki: trusted,
      store,
      description: `${store.anchors.length} anchor(s) (${qualified} qualified) from ${options.trust.join(", ")}${crls}`,
      warnings: sharedCaNameWarnings(store, files.files),
    };
  }
  const caPath = join(testCaDir(options.dataDir), "ca.pem");
  const trusted = pki.withTrust(await readTrustSources([{ path: caPath, qualified: true }], options.crl));
  const crls = options.crl.length > 0 ? `, CRLs ${options.crl.join(", ")}` : "";
  return {
    pki: trusted,
    store: trusted.trust,
    description: `test CA ${caPath} (CERTCHAT_TRUST unset; qualified)${crls}`,
    warnings: [],
  };
}
