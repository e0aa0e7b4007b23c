import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "../../server/config.ts";
import { TrustStore } from "../../server/pki/trust.ts";
import { testCaDir } from "../../server/trust-setup.ts";
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
  const storeOptions = { allowTestParameterSets: options.allowTestParameterSets };
  const paths = options.trust.length > 0 ? options.trust : config.trust;
  const crls = config.crl;
  try {
    if (paths.length > 0) {
      return { store: await TrustStore.fromPaths(paths, crls, storeOptions), source: paths.join(", ") };
    }
    const testCa = join(testCaDir(config.dataDir), "ca.pem");
    if (!options.useTestCa || !existsSync(testCa)) return undefined;
    return { store: await TrustStore.fromPaths([testCa], crls, storeOptions), source: `test CA ${testCa}` };
  } catch (error) {
    throw new UnusableInputError(`cannot load trust anchors: ${(error as Error).message}`);
  }
}
