import type { TrustStore } from "../pki/trust.ts";

/**
 * One warning per name that configured CAs share with different keys, none of them qualified
 * (TrustStore.sharedNames), naming each certificate by fingerprint and the file it was read from: the server
 * logs them at start and at each trust reload, the CLI at login (docs/DECISIONS.md §39).
 */
export function sharedCaNameWarnings(store: TrustStore, files: ReadonlyMap<string, string>): string[] {
  return store.sharedNames().map(({ subjectDn, fingerprints }) => {
    const certificates = fingerprints.map((fingerprint) => {
      const file = files.get(fingerprint);
      return file ? `${fingerprint} (${file})` : fingerprint;
    });
    return (
      `CAs named ${subjectDn} hold different keys and none is marked qualified: ${certificates.join(", ")}. ` +
      "Holders of these CAs with the same subject DN share one dn: identity and profile key. If they are one " +
      "CA's key rollover, that is expected; otherwise trust only one of them (or, if they are accredited CAs, " +
      "mark them qualified:)"
    );
  });
}
