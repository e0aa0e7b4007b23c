import { join } from "node:path";
import { CA_CERT_FILE, createTestCa } from "../../src/server/test-ca.ts";

/** A test CA a server trusts through CERTCHAT_TRUST, marked qualified (may assert Russian IDs) or not. */
export interface TrustedTestCa {
  dir: string;
  qualified: boolean;
}

/** Creates one test CA per entry under `root` (each in its own folder, with its own name). */
export async function createTrustedCas<K extends string>(
  root: string,
  cas: Record<K, { name: string; qualified: boolean }>,
): Promise<Record<K, TrustedTestCa>> {
  const entries = await Promise.all(
    Object.entries<{ name: string; qualified: boolean }>(cas).map(async ([key, { name, qualified }]) => {
      const dir = join(root, key);
      await createTestCa(dir, { name });
      return [key, { dir, qualified }] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<K, TrustedTestCa>;
}

/** The CERTCHAT_TRUST value naming these CAs, the qualified ones with the `qualified:` prefix. */
export function trustSetting(cas: readonly TrustedTestCa[]): string {
  return cas.map((ca) => `${ca.qualified ? "qualified:" : ""}${join(ca.dir, CA_CERT_FILE)}`).join(",");
}
