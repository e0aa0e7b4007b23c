/**
 * The trust anchors of the CLI's Messenger (docs/SDK.md "Trust anchors"): `login --trust <file>` (kept in the
 * session), else $CERTCHAT_CLIENT_TRUST, else the test CA a server on this machine wrote with the default
 * data folder (./data/ca/ca.pem). Without any, the session reads and creates chats but sends no key to a
 * certificate its user did not name (login warns).
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { ClientTrustSetting } from "../../client/certificate-trust.ts";
import { decodeCertificateText } from "../../pki/certificate.ts";
import { decodePemBlocks, looksLikePem } from "../../pki/pem.ts";
import { CA_CERT_FILE } from "../../server/test-ca.ts";

export const CLIENT_TRUST_ENV = "CERTCHAT_CLIENT_TRUST";
/** Where `certchat serve` keeps its test CA with the default data folder. */
const LOCAL_TEST_CA = join("data", "ca", CA_CERT_FILE);

/** The anchor file to use: the given one, else the environment's, else the local test CA when present. */
export function trustFile(given?: string): string | undefined {
  if (given) return resolve(given);
  const fromEnv = process.env[CLIENT_TRUST_ENV];
  if (fromEnv) return resolve(fromEnv);
  return existsSync(LOCAL_TEST_CA) ? resolve(LOCAL_TEST_CA) : undefined;
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

/** The Messenger's trust setting for an anchor file; with `warn` (login), a warning on stderr when there is none. */
export async function clientTrust(path: string | undefined, warn = false): Promise<ClientTrustSetting> {
  if (path) return { anchors: { anchors: await readAnchors(path) } };
  if (warn)
    process.stderr.write(
      `certchat: no trust anchors (--trust at login, or $${CLIENT_TRUST_ENV}): keys are not sent to waiting certificates, and adding, removing and rotating refuse\n`,
    );
  return { none: true };
}
