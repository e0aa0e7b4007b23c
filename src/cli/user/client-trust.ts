/**
 * The trust anchors of the CLI's Messenger (docs/SDK.md "Trust anchors"): `login --trust <file>` (kept in the
 * session), else $CERTCHAT_CLIENT_TRUST, else the test CA a server on this machine wrote with the default
 * data folder (./data/ca/ca.pem). Without any, the session reads and creates chats but sends no key to a
 * certificate its user did not name (login warns). A file written `qualified:<file>`, as in the server's
 * CERTCHAT_TRUST, holds CAs of qualified certificates: only their certificates' SNILS count (docs/DECISIONS.md §30).
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { ClientTrustSetting } from "../../client/certificate-trust.ts";
import { decodeCertificateText, parseCertificate } from "../../pki/certificate.ts";
import { decodePemBlocks, looksLikePem } from "../../pki/pem.ts";
import { CA_CERT_FILE } from "../../server/test-ca.ts";

export const CLIENT_TRUST_ENV = "CERTCHAT_CLIENT_TRUST";
/** Where `certchat serve` keeps its test CA with the default data folder. */
const LOCAL_TEST_CA = join("data", "ca", CA_CERT_FILE);

/** The mark of an anchor file whose CAs issue qualified certificates (the server's CERTCHAT_TRUST has it too). */
const QUALIFIED_PREFIX = "qualified:";

/**
 * The anchor file to use, `qualified:` kept in front of its absolute path: the given one, else the environment's,
 * else the local test CA when present — qualified, as the server that wrote it marks it.
 */
export function trustFile(given?: string): string | undefined {
  const entry = given || process.env[CLIENT_TRUST_ENV];
  if (entry) {
    const { path, qualified } = trustEntry(entry);
    return `${qualified ? QUALIFIED_PREFIX : ""}${resolve(path)}`;
  }
  return existsSync(LOCAL_TEST_CA) ? `${QUALIFIED_PREFIX}${resolve(LOCAL_TEST_CA)}` : undefined;
}

/** An anchor file as `--trust` names it: its path, and whether it is marked `qualified:`. */
export function trustEntry(entry: string): { path: string; qualified: boolean } {
  const qualified = entry.startsWith(QUALIFIED_PREFIX);
  return { path: qualified ? entry.slice(QUALIFIED_PREFIX.length) : entry, qualified };
}

/** The CA certificates of a PEM (one or more blocks) or DER file. */
export async function readAnchors(path: string): Promise<Uint8Array[]> {
  const bytes = new Uint8Array(await readFile(path));
  const text = new TextDecoder().decode(bytes);
  if (!looksLikePem(text)) return [decodeCertificateText(bytes)];
  const anchors = decodePemBlocks(text)
    .filter((block) => block.label.endsWith("CERTIFICATE"))
    .map((block) => block.der);
  if (anchors.length === 0) throw new Error(`no certificate in ${path}`);
  return anchors;
}

/**
 * The Messenger's trust setting for an anchor file (trustFile): its CAs, all marked qualified when the file is;
 * with `warn` (login), a warning on stderr when there is none.
 */
export async function clientTrust(entry: string | undefined, warn = false): Promise<ClientTrustSetting> {
  if (entry) {
    const { path, qualified } = trustEntry(entry);
    const anchors = await readAnchors(path);
    const fingerprints = qualified ? anchors.map((anchor) => parseCertificate(anchor).fingerprint) : [];
    return { anchors: { anchors, qualified: fingerprints } };
  }
  if (warn)
    process.stderr.write(
      `certchat: no trust anchors (--trust at login, or $${CLIENT_TRUST_ENV}): keys are not sent to waiting certificates, and adding, removing and rotating refuse\n`,
    );
  return { none: true };
}
