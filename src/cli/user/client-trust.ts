/**
 * The trust anchors of the CLI's Messenger (docs/SDK.md "Trust anchors"): `login --trust <list>` (kept in the
 * session), else $CERTCHAT_CLIENT_TRUST, else the test CA a server on this machine wrote with the default
 * data folder (./data/ca/ca.pem). A list is written as the server's CERTCHAT_TRUST: comma-separated CA files or
 * folders, each marked `qualified:` when its CAs issue qualified certificates (only their SNILS count, docs/
 * DECISIONS.md §30) — accredited CAs and a corporate CA side by side. CRLs (`--crl`, $CERTCHAT_CLIENT_CRL, as
 * CERTCHAT_CRL) make revoked certificates count for no one: no key is wrapped for them, their messages are not
 * verified. Without anchors, the session reads and creates chats but sends no key to a certificate its user did
 * not name (login warns).
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { ClientTrustSetting } from "../../client/certificate-trust.ts";
import { createPki } from "../../pki/create-pki.ts";
import { formatDistinguishedName } from "../../pki/distinguished-name.ts";
import { CA_CERT_FILE } from "../../server/test-ca.ts";
import { readTrustSources, type TrustFiles } from "../../server/trust-files.ts";
import { pathList, QUALIFIED_PREFIX, trustSourceList } from "../../server/trust-list.ts";
import { sharedCaNameWarnings } from "../../server/trust-warnings.ts";

export const CLIENT_TRUST_ENV = "CERTCHAT_CLIENT_TRUST";
export const CLIENT_CRL_ENV = "CERTCHAT_CLIENT_CRL";
/** Where `certchat serve` keeps its test CA with the default data folder. */
const LOCAL_TEST_CA = join("data", "ca", CA_CERT_FILE);

/**
 * The anchors to use, each path made absolute and its `qualified:` mark kept: the given list, else the
 * environment's, else the local test CA when present — qualified, as the server that wrote it marks it.
 */
export function trustList(given?: string): string | undefined {
  const entries = given || process.env[CLIENT_TRUST_ENV];
  if (entries)
    return trustSourceList(entries)
      .map(({ path, qualified }) => `${qualified ? QUALIFIED_PREFIX : ""}${resolve(path)}`)
      .join(",");
  return existsSync(LOCAL_TEST_CA) ? `${QUALIFIED_PREFIX}${resolve(LOCAL_TEST_CA)}` : undefined;
}

/** The CRL files or folders to use, made absolute: the given list, else the environment's. */
export function crlList(given?: string): string | undefined {
  const paths = pathList(given || process.env[CLIENT_CRL_ENV]).map((path) => resolve(path));
  return paths.length > 0 ? paths.join(",") : undefined;
}

/**
 * The Messenger's trust setting for a list (trustList) and its CRLs (crlList); with `warn` (login), a warning on
 * stderr when there is no anchor (CRLs then unread), and for each CRL no CA of the list signed.
 */
export async function clientTrust(
  trust: string | undefined,
  crl: string | undefined,
  warn = false,
): Promise<ClientTrustSetting> {
  if (trust) {
    const anchors = await readTrustSources(trustSourceList(trust), pathList(crl));
    if (warn) await warnOfTrustList(anchors, pathList(crl));
    return { anchors };
  }
  if (warn)
    process.stderr.write(
      `certchat: no trust anchors (--trust at login, or $${CLIENT_TRUST_ENV}): keys are not sent to waiting certificates, and adding, removing and rotating refuse${crl ? "; CRLs are not read without trust anchors" : ""}\n`,
    );
  return { none: true };
}

/**
 * Warns of the CAs of one name with different keys, none qualified, whose holders share `dn:` identities
 * (sharedCaNameWarnings), and of each CRL that no CA of the list signed: it revokes nothing (a CRL of another CA,
 * given by mistake), and the user would otherwise believe its certificates count for no one.
 */
async function warnOfTrustList(anchors: TrustFiles, entries: string[]): Promise<void> {
  const entryOf = new Map<TrustFiles["crls"][number], string>();
  for (const entry of entries)
    for (const crl of (await readTrustSources([], [entry])).crls) entryOf.set(crl, entry);
  const pki = createPki({ trust: { ...anchors, crls: [...entryOf.keys()] } });
  for (const warning of sharedCaNameWarnings(pki.trust, anchors.files))
    process.stderr.write(`certchat: ${warning}\n`);
  for (const crl of await pki.trust.unsignedCrls())
    process.stderr.write(
      `certchat: the CRL of ${formatDistinguishedName(crl.issuer)} in ${entryOf.get(crl)} is signed by no CA of the trust list: it revokes nothing\n`,
    );
}
