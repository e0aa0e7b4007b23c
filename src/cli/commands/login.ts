import { resolve } from "node:path";
import type { Command } from "commander";
import { CertchatApi } from "../../client/api.ts";
import { Messenger } from "../../client/messenger.ts";
import { signatureVerifier } from "../../client/verification.ts";
import { runCommand } from "../config-loader.ts";
import { CLIENT_CRL_ENV, CLIENT_TRUST_ENV, clientTrust, crlList, trustList } from "../user/client-trust.ts";
import { terminalJson } from "../user/format.ts";
import { PFX_PASSWORD_ENV, readSigner, type UserOptions, userCommand } from "../user/open-messenger.ts";
import { pinFile } from "../user/pin-file.ts";
import { ask } from "../user/prompt.ts";
import { defaultHome, type KeyFiles, writeSession } from "../user/session-store.ts";

interface LoginOptions extends UserOptions {
  server: string;
  cert?: string;
  key?: string;
  pfx?: string;
  password?: string;
  phone?: string;
  trust?: string;
  crl?: string;
}

/** `--cert` with `--key`, or `--pfx` alone; the paths made absolute, as the session keeps them. */
function keyFiles(options: LoginOptions): KeyFiles {
  if (options.pfx !== undefined) {
    if (options.cert !== undefined || options.key !== undefined)
      throw new Error("give --pfx or --cert with --key, not both");
    return { pfxPath: resolve(options.pfx) };
  }
  if (options.cert === undefined || options.key === undefined)
    throw new Error("give --cert with --key, or --pfx");
  if (options.password !== undefined) throw new Error("--password goes with --pfx");
  return { certPath: resolve(options.cert), keyPath: resolve(options.key) };
}

export function loginCommand(program: Command): void {
  userCommand(
    program
      .command("login")
      .description(
        "log in with a certificate; registers --phone (asking for the SMS code) when needed; sends chat keys to members' certificates waiting for one",
      )
      .requiredOption("--server <url>", "certchat server, e.g. http://127.0.0.1:8080")
      .option("--cert <file>", "your certificate (PEM or DER)")
      .option("--key <file>", "its PKCS#8 private key (PEM); only the path is kept")
      .option(
        "--pfx <file>",
        "instead of --cert and --key: a PKCS#12 file (.pfx/.p12); only the path is kept",
      )
      .option(
        "--password <password>",
        `the PFX password (else $${PFX_PASSWORD_ENV}, else asked); never stored, asked again by later commands`,
      )
      .option(
        "--trust <list>",
        `CA certificate files or folders (PEM or DER), comma-separated, members' certificates must chain to; an entry written qualified:<path> holds CAs of qualified certificates (only then does a SNILS name a person); kept for later commands (else $${CLIENT_TRUST_ENV}, else ./data/ca/ca.pem when present, qualified)`,
      )
      .option(
        "--crl <list>",
        `CRL files or folders, comma-separated: certificates they revoke count for no one; kept for later commands (else $${CLIENT_CRL_ENV})`,
      )
      .option(
        "--phone <phone>",
        "phone to confirm by SMS if the profile has none yet, or the profile's phone for a renewed certificate",
      ),
  ).action((options: LoginOptions) =>
    runCommand(async () => {
      const home = options.home ?? defaultHome();
      const files = keyFiles(options);
      const trust = trustList(options.trust);
      const crl = crlList(options.crl);
      const setting = await clientTrust(trust, crl, true);
      const messenger = await Messenger.login({
        server: options.server,
        signer: await readSigner(files, options.password),
        verifier: signatureVerifier(),
        ...("anchors" in setting ? { trust: setting.anchors } : {}),
        ...(options.phone ? { phone: options.phone } : {}),
        askCode: (phone) => ask(`SMS code sent to ${phone}: `),
        fulfil: false,
        // Keyed as the session keeps the server (CertchatApi drops a trailing slash).
        pins: await pinFile(home, new CertchatApi(options.server).server),
      });
      const profile = await messenger.profile();
      const ownProblem = await messenger.ownCertificateProblem();
      if (ownProblem)
        process.stderr.write(
          `certchat: warning: your certificate does not count under these trust anchors (${ownProblem}); clients configured alike send you no chat keys — mark accredited CAs with --trust qualified:<file>\n`,
        );
      const token = messenger.api.token ?? "";
      await writeSession(home, {
        server: messenger.api.server,
        token,
        ...files,
        phones: [],
        ...(options.trust && trust ? { trust } : {}),
        ...(options.crl && crl ? { crl } : {}),
      });
      // Keys for members' renewed or new certificates that wait on this session (once; `listen` keeps serving).
      try {
        const served = await messenger.fulfilWaitLists();
        if (served > 0) process.stderr.write(`sent ${served} chat key(s) to certificates waiting for one\n`);
      } catch (error) {
        // Logged in all the same: the next login or `listen` serves the wait lists again.
        process.stderr.write(
          `certchat: could not send chat keys to waiting certificates: ${error instanceof Error ? error.message : String(error)}\n`,
        );
      }
      if (options.json)
        process.stdout.write(
          `${terminalJson({ pid: profile.pid, cid: profile.cid, name: profile.name, phone: profile.phone })}\n`,
        );
      else process.stdout.write(`logged in as ${profile.name} (+${profile.phone}, profile ${profile.pid})\n`);
    }),
  );
}
