/** A user of the `certchat` CLI in tests: certificate and key files, a --home, logged in with the SMS code. */
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CA_CERT_FILE, type IssueAlgorithm } from "../../src/server/test-ca.ts";
import { testCaDir } from "../../src/server/trust-setup.ts";
import { type CliResult, runCli, runCliAnswering } from "./cli.ts";
import { type ApiServer, issueUser } from "./server.ts";

export interface CliUser {
  home: string;
  phone: string;
  name: string;
  /** The SNILS its certificates carry: a renewal issues another certificate with the same one. */
  snils: string;
  run(...args: string[]): Promise<CliResult>;
}

/** The server's test CA file: what a CLI user of it passes as `--trust`. */
export function serverCaFile(server: Pick<ApiServer, "dataDir">): string {
  return join(testCaDir(server.dataDir), CA_CERT_FILE);
}

/**
 * Issues a certificate of `alg` into `dir` and runs `certchat login` with `--phone`, typing the SMS code at
 * the prompt. With `as`, the certificate is a renewal of that user: same name and SNILS, the profile's phone.
 */
export async function cliUser(
  server: ApiServer & { url: string },
  dir: string,
  options: { alg: IssueAlgorithm; name: string; snils: string; phone: string },
): Promise<CliUser & { login: CliResult }> {
  await mkdir(dir, { recursive: true });
  const issued = await issueUser(server, { alg: options.alg, name: options.name, snils: options.snils });
  await writeFile(join(dir, "cert.der"), issued.der);
  await writeFile(join(dir, "key.pem"), issued.keyPem);
  const home = join(dir, "home");
  const login = await runCliAnswering(
    [
      // Marked qualified as the server marks its test CA: a renewal's SNILS keeps the user's identity.
      ...["login", "--home", home, "--server", server.url, "--trust", `qualified:${serverCaFile(server)}`],
      ...["--cert", join(dir, "cert.der"), "--key", join(dir, "key.pem"), "--phone", `+${options.phone}`],
    ],
    {},
    { prompt: "SMS code sent to", answer: () => server.sms.lastCodeFor(options.phone)?.code ?? "" },
  );
  assert.equal(login.code, 0, login.stderr);
  return {
    home,
    phone: options.phone,
    name: options.name,
    snils: options.snils,
    login,
    run: (...args) => runCli([...args, "--home", home]),
  };
}

/**
 * Logs in CLI users of `server` with ECDSA P-256 certificates, each in `dir/<serial>`: the SNILS is the serial, the
 * phone `phonePrefix` and its last seven digits (a prefix per test file keeps phones apart).
 */
export function ecdsaCliUsers(server: ApiServer & { url: string }, dir: string, phonePrefix: string) {
  return (name: string, serial: string) =>
    cliUser(server, join(dir, serial), {
      alg: "ecdsa-p256",
      name,
      snils: serial,
      phone: `${phonePrefix}${serial.slice(-7)}`,
    });
}
