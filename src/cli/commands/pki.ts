import type { Command } from "commander";
import { configFrom } from "../config-loader.ts";
import {
  readCertificateFile,
  readCmsFile,
  readInputFile,
  readSignatureFile,
  UnusableInputError,
} from "../pki/inputs.ts";
import { inspectCertificate } from "../pki/inspect.ts";
import { loadCliTrust } from "../pki/trust.ts";
import { verifyCmsCommand, verifyRawCommand } from "../pki/verify.ts";
import { terminalJson } from "../user/format.ts";

interface CommonOptions {
  trust: string[];
  config?: string;
  allowTestParams?: boolean;
  at?: string;
}

interface VerifyOptions extends CommonOptions {
  cert: string;
  sig?: string;
  data?: string;
  cms?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** `certchat pki inspect|verify`: JSON on stdout; exit 0 (valid / inspected), 1 (invalid), 2 (unusable input). */
export function pkiCommand(program: Command): void {
  const pki = program
    .command("pki")
    .description("inspect certificates and verify signatures (GOST included)");
  withCommonOptions(pki.command("inspect <file>"))
    .description("print a certificate (PEM or DER) as JSON, with its chain status")
    .action((file: string, options: CommonOptions) =>
      runPkiCommand(async () => {
        const cert = await readCertificateFile(file);
        const trust = await loadCliTrust(trustOptions(options, true), configFrom(options.config));
        printJson(await inspectCertificate(cert, trust, checkTime(options)));
        return 0;
      }),
    );
  withCommonOptions(pki.command("verify"))
    .description("verify a raw signature (--sig with --data) or a CMS SignedData (--cms) made with --cert")
    .requiredOption("--cert <file>", "signer certificate, PEM or DER")
    .option("--sig <file>", "raw signature, binary or base64 (standard or CryptoAPI layout for GOST)")
    .option("--data <file>", "the signed data (for --cms: the content of a detached signature)")
    .option("--cms <file>", "CMS SignedData, PEM or DER")
    .action((options: VerifyOptions) =>
      runPkiCommand(
        async () => {
          if (Boolean(options.sig) === Boolean(options.cms)) {
            throw new UnusableInputError("give either --sig with --data, or --cms");
          }
          if (options.sig && !options.data) throw new UnusableInputError("--sig needs --data");
          const cert = await readCertificateFile(options.cert);
          const trust = await loadCliTrust(trustOptions(options, false), configFrom(options.config));
          const data = options.data ? new Uint8Array(await readInputFile(options.data, "data")) : undefined;
          const now = checkTime(options);
          const report = options.cms
            ? await verifyCmsCommand({
                cert,
                cms: await readCmsFile(options.cms),
                data,
                trust,
                allowTestParameterSets: options.allowTestParams === true,
                now,
              })
            : await verifyRawCommand({
                cert,
                data: data ?? new Uint8Array(),
                signature: await readSignatureFile(options.sig ?? ""),
                trust,
                now,
              });
          printJson(report);
          return report.valid ? 0 : 1;
        },
        (reason) => ({ valid: false, reason }),
      ),
    );
}

function withCommonOptions(command: Command): Command {
  return command
    .option("--trust <path>", "trust anchor file or folder (repeatable; default CERTCHAT_TRUST)", collect, [])
    .option("--allow-test-params", "accept the standards' GOST test parameter sets (test vectors only)")
    .option("--at <time>", "check validity at this ISO 8601 time instead of now")
    .option("--config <file>", ".env-style file with CERTCHAT_* settings");
}

function trustOptions(options: CommonOptions, useTestCa: boolean) {
  return { trust: options.trust, allowTestParameterSets: options.allowTestParams === true, useTestCa };
}

function checkTime(options: CommonOptions): Date {
  if (!options.at) return new Date();
  const at = new Date(options.at);
  if (Number.isNaN(at.getTime())) throw new UnusableInputError(`--at is not a date: ${options.at}`);
  return at;
}

function printJson(value: unknown): void {
  process.stdout.write(`${terminalJson(value, 2)}\n`);
}

/** Runs a command body; unusable input prints `failure(message)` as JSON and exits with 2. */
async function runPkiCommand(
  body: () => Promise<number>,
  failure: (message: string) => object = (error) => ({ error }),
): Promise<void> {
  try {
    process.exitCode = await body();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stdout.write(`${terminalJson(failure(message))}\n`);
    process.stderr.write(`certchat: ${message}\n`);
    process.exitCode = 2;
  }
}
