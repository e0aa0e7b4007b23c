import { resolve } from "node:path";
import type { Command } from "commander";
import { Messenger } from "../../client/messenger.ts";
import { signatureVerifier } from "../../client/verification.ts";
import { runCommand } from "../config-loader.ts";
import { readSigner, type UserOptions, userCommand } from "../user/open-messenger.ts";
import { ask } from "../user/prompt.ts";
import { defaultHome, writeSession } from "../user/session-store.ts";

interface LoginOptions extends UserOptions {
  server: string;
  cert: string;
  key: string;
  phone?: string;
}

export function loginCommand(program: Command): void {
  userCommand(
    program
      .command("login")
      .description("log in with a certificate; registers --phone (asking for the SMS code) when needed")
      .requiredOption("--server <url>", "certchat server, e.g. http://127.0.0.1:8080")
      .requiredOption("--cert <file>", "your certificate (PEM or DER)")
      .requiredOption("--key <file>", "its PKCS#8 private key (PEM); only the path is kept")
      .option(
        "--phone <phone>",
        "phone to confirm by SMS if the profile has none yet, or the profile's phone for a renewed certificate",
      ),
  ).action((options: LoginOptions) =>
    runCommand(async () => {
      const home = options.home ?? defaultHome();
      const certPath = resolve(options.cert);
      const keyPath = resolve(options.key);
      const messenger = await Messenger.login({
        server: options.server,
        signer: await readSigner(certPath, keyPath),
        verifier: signatureVerifier(),
        ...(options.phone ? { phone: options.phone } : {}),
        askCode: (phone) => ask(`SMS code sent to ${phone}: `),
      });
      const profile = await messenger.profile();
      const token = messenger.api.token ?? "";
      await writeSession(home, { server: messenger.api.server, token, certPath, keyPath, phones: [] });
      if (options.json)
        process.stdout.write(
          `${JSON.stringify({ pid: profile.pid, cid: profile.cid, name: profile.name, phone: profile.phone })}\n`,
        );
      else process.stdout.write(`logged in as ${profile.name} (+${profile.phone}, profile ${profile.pid})\n`);
    }),
  );
}
