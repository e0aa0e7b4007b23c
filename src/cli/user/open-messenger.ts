/** The Messenger of the session kept in a `--home` folder, with the user's own certificate and key files. */
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { CertchatApi } from "../../client/api.ts";
import { Messenger } from "../../client/messenger.ts";
import { loadSigner, type Signer } from "../../client/signing.ts";
import { signatureVerifier } from "../../client/verification.ts";
import { defaultHome, readSession, type Session } from "./session-store.ts";

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

export async function readSigner(certPath: string, keyPath: string): Promise<Signer> {
  const [certificate, key] = await Promise.all([readFile(certPath), readFile(keyPath, "utf8")]);
  return loadSigner(new Uint8Array(certificate), key);
}

export async function openMessenger(options: UserOptions): Promise<OpenSession> {
  const home = options.home ?? defaultHome();
  const session = await readSession(home);
  const signer = await readSigner(session.certPath, session.keyPath);
  const messenger = new Messenger(
    new CertchatApi(session.server, session.token),
    signer,
    signatureVerifier(),
  );
  return { home, session, messenger };
}
