import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";
import { createTestCa } from "./pki/test-ca.ts";
import { TrustStore } from "./pki/trust.ts";

export interface TrustSetup {
  store: TrustStore;
  description: string;
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
export async function setUpTrust(options: TrustSources, logger: Logger): Promise<TrustSetup> {
  if (options.trust.length === 0) {
    const dir = testCaDir(options.dataDir);
    if (!existsSync(join(dir, "ca.pem"))) await createTestCa(dir);
    logger.warn(`CERTCHAT_TRUST is unset: trusting only the test CA in ${dir} (not for production)`);
  }
  return loadTrust(options);
}

/** Reads the anchors and CRLs the settings name (again on reload); throws if a file is missing or broken. */
export async function loadTrust(options: TrustSources): Promise<TrustSetup> {
  if (options.trust.length > 0) {
    const sources = options.trust.map((path) => ({ path, qualified: options.qualifiedTrust.includes(path) }));
    const store = await TrustStore.fromSources(sources, options.crl);
    const crls = options.crl.length > 0 ? `, CRLs ${options.crl.join(", ")}` : "";
    const qualified = store.material().qualified.length;
    return {
      store,
      description: `${store.anchors.length} anchor(s) (${qualified} qualified) from ${options.trust.join(", ")}${crls}`,
    };
  }
  const caPath = join(testCaDir(options.dataDir), "ca.pem");
  const store = await TrustStore.fromSources([{ path: caPath, qualified: true }], options.crl);
  const crls = options.crl.length > 0 ? `, CRLs ${options.crl.join(", ")}` : "";
  return { store, description: `test CA ${caPath} (CERTCHAT_TRUST unset; qualified)${crls}` };
}
