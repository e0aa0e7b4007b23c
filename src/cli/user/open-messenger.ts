/** The Messenger of the session kept in a `--home` folder, with the user's own certificate and key files. */
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { CertchatApi } from "../../client/api.ts";
import { Messenger } from "../../client/messenger.ts";
import { loadSigner, loadSignerFromPfx, type Signer } from "../../client/signing.ts";
import { signatureVerifier } from "../../client/verification.ts";
import { clientTrust, crlList, trustList } from "./client-trust.ts";
import { pinFile } from "./pin-file.ts";
import { askSecret } from "./prompt.ts";
import { defaultHome, type KeyFiles, readSession, type Session } from "./session-store.ts";

/** Adds the options every user command takes. */
export function userCommand(command: Command): Command {
  return command
    .option("--home <dir>", "folder of the session (default $XDG_CONFIG_HOME/certchat or ~/.config/certchat)")
    .option("--json", "print JSON for scripts");
}

/** The options every user command takes. */
export interface UserOptions {
  home?: string;
  json?: boolean;
}

export interface OpenSession {
  home: string;
  session: Session;
  messenger: Messenger;
}

/** The environment variable a PFX password may come from, so scripts need not type it or show it in `ps`. */
export const PFX_PASSWORD_ENV = "CERTCHAT_PFX_PASSWORD";

/**
 * The signer of the user's key files. A PFX password is `password` when given, else $CERTCHAT_PFX_PASSWORD,
 * else asked on the terminal; it is never stored.
 */
export async function readSigner(files: KeyFiles, password?: string): Promise<Signer> {
  if ("pfxPath" in files) {
    const pfx = new Uint8Array(await readFile(files.pfxPath));
    return loadSignerFromPfx(
      pfx,
      password ?? process.env[PFX_PASSWORD_ENV] ?? (await askSecret("PFX password: ")),
    );
  }
  const [certificate, key] = await Promise.all([readFile(files.certPath), readFile(files.keyPath, "utf8")]);
  return loadSigner(new Uint8Array(certificate), key);
}

export async function openMessenger(options: UserOptions): Promise<OpenSession> {
  const home = options.home ?? defaultHome();
  const session = await readSession(home);
  const signer = await readSigner(session);
  const messenger = new Messenger(
    new CertchatApi(session.server, session.token),
    signer,
    signatureVerifier(),
    await clientTrust(trustList(session.trust), crlList(session.crl)),
    await pinFile(home, session.server),
  );
  return { home, session, messenger };
}
