import type { ParsedCertificate } from "../../src/pki/certificate.ts";
import { createPki } from "../../src/pki/create-pki.ts";
import type { CrlInput, TrustStore } from "../../src/pki/trust.ts";
import { readTrustPaths } from "../../src/server/trust-files.ts";

/** A trust store on a fresh PKI instance of its own (the portable algorithms, as the SDK has them). */
export function trustStoreOf(
  anchors: readonly (ParsedCertificate | Uint8Array)[],
  crls: readonly CrlInput[] = [],
  options: { qualified?: Iterable<string>; allowTestParameterSets?: boolean } = {},
): TrustStore {
  const trust = { anchors, crls, ...(options.qualified ? { qualified: options.qualified } : {}) };
  return createPki({ trust, allowTestParameterSets: options.allowTestParameterSets === true }).trust;
}

/** As `trustStoreOf`, from certificate and CRL files or folders. */
export async function trustStoreFromPaths(certPaths: string[], crlPaths: string[] = []): Promise<TrustStore> {
  return createPki({ trust: await readTrustPaths(certPaths, crlPaths) }).trust;
}
