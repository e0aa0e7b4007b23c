import { existsSync } from "node:fs";
import { join } from "node:path";
import type { TrustStore } from "../../pki/trust.ts";
import type { Config } from "../../server/config.ts";
import { readTrustSources } from "../../server/trust-files.ts";
import { testCaDir } from "../../server/trust-setup.ts";
import { createServerPki } from "../../server/verification/server-pki.ts";
import { UnusableInputError } from "./inputs.ts";

export interface CliTrust {
  store: TrustStore;
  /** Where the anchors came from, for the report. */
  source: string;
}

/**
 * The trust to check chains against: `--trust` paths, else CERTCHAT_TRUST, else (when `useTestCa`) the data
 * directory's test CA if it exists. Undefined when there is none; nothing is created.
 */
export async function loadCliTrust(
  options: { trust: string[]; allowTestParameterSets: boolean; useTestCa: boolean },
  config: Config,
): Promise<CliTrust | undefined> {
  const pki = createServerPki({ allowTestParameterSets: options.allowTestParameterSets });
  // As the server sees them: CERTCHAT_TRUST's `qualified:` marks, and the implicit test CA as qualified.
  const sources =
    options.trust.length > 0
      ? options.trust.map((path) => ({ path, qualified: false }))
      : config.trust.map((path) => ({ path, qualified: config.qualifiedTrust.includes(path) }));
  const crls = config.crl;
  try {
    if (sources.length > 0) {
      const source = sources.map((s) => s.path).join(", ");
      return { store: pki.withTrust(await readTrustSources(sources, crls)).trust, source };
    }
    const testCa = join(testCaDir(config.dataDir), "ca.pem");
    if (!options.useTestCa || !existsSync(testCa)) return undefined;
    const store = pki.withTrust(await readTrustSources([{ path: testCa, qualified: true }], crls)).trust;
    return { store, source: `test CA ${testCa}` };
  } catch (error) {
    throw new UnusableInputError(`cannot load trust anchors: ${(error as Error).message}`);
  }
}
