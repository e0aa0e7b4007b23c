/**
 * The CLI's login state, one per `--home` folder (default `$XDG_CONFIG_HOME/certchat`, else
 * `~/.config/certchat`): the server URL, the session token, the paths of the certificate and key files or of
 * the PKCS#12 file (the key itself, and the PFX password, are never copied), and the phones the user has looked up (the address book whose certificates
 * verify group messages).
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";

/** Where the user's certificate and private key are: two files, or one PKCS#12 (.pfx) file. */
export type KeyFiles = { certPath: string; keyPath: string } | { pfxPath: string };

export type Session = KeyFiles & {
  server: string;
  token: string;
  phones: string[];
  /** The trust anchors given at login: comma-separated absolute paths, each maybe `qualified:` (client-trust.ts). */
  trust?: string;
  /** The CRL files or folders given at login, comma-separated absolute paths. */
  crl?: string;
};

const SESSION_FILE = "session.json";

export function defaultHome(): string {
  const base = process.env.XDG_CONFIG_HOME || join(homedir(), ".config");
  return join(base, "certchat");
}

export async function readSession(home: string): Promise<Session> {
  let text: string;
  try {
    text = await readFile(join(home, SESSION_FILE), "utf8");
  } catch {
    throw new Error(`not logged in (no session in ${home}): run \`certchat login\` first`);
  }
  const session = JSON.parse(text) as Session;
  return { ...session, phones: session.phones ?? [] };
}

/** Written readable by the owner only: the token opens the account until it expires. */
export async function writeSession(home: string, session: Session): Promise<void> {
  await mkdir(home, { recursive: true, mode: 0o700 });
  await writeFile(join(home, SESSION_FILE), `${JSON.stringify(session, null, 2)}\n`, { mode: 0o600 });
}

/** Adds phones to the session's address book (normalized, without duplicates). */
export async function rememberPhones(
  home: string,
  session: Session,
  phones: readonly string[],
): Promise<void> {
  const merged = [...new Set([...session.phones, ...phones])];
  if (merged.length === session.phones.length) return;
  await writeSession(home, { ...session, phones: merged });
}
