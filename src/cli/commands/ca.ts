import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
import {
  CRL_FILE,
  createTestCa,
  type IssueAlgorithm,
  type IssueOptions,
  issueTestCertificate,
  revokeTestCertificate,
  writeIssued,
  writeTestCrl,
} from "../../server/test-ca.ts";
import { testCaDir } from "../../server/trust-setup.ts";
import { configFrom, runCommand } from "../config-loader.ts";

const algorithms: IssueAlgorithm[] = [
  "ecdsa-p256",
  "ecdsa-p384",
  "ecdsa-p521",
  "rsa-2048",
  "ed25519",
  "gost2012-256",
  "gost2012-512",
];

function algorithm(text: string): IssueAlgorithm {
  if (!(algorithms as string[]).includes(text))
    throw new Error(`--alg must be one of ${algorithms.join(", ")}`);
  return text as IssueAlgorithm;
}

/** The subject fields go to the test CA as given; `alg` is checked here, `out` and `config` are the CLI's. */
type IssueCommandOptions = Pick<
  IssueOptions,
  "name" | "snils" | "inn" | "ogrn" | "ogrnip" | "org" | "title"
> & {
  alg: string;
  out: string;
  config?: string;
  days?: string;
  notBefore?: string;
  notAfter?: string;
};

const DAY_MS = 86_400_000;

function instant(option: string, text: string): Date {
  const date = new Date(text);
  if (Number.isNaN(date.getTime()))
    throw new Error(`${option}: expected an ISO 8601 date/time, got "${text}"`);
  return date;
}

/**
 * The validity period the options ask for (unset: the test CA's default, a year from an hour ago). `--days`
 * counts from --not-before (or now) and may be fractional, e.g. 0.001 for about a minute and a half.
 */
function validity(options: IssueCommandOptions): Pick<IssueOptions, "notBefore" | "notAfter"> {
  if (options.days !== undefined && options.notAfter !== undefined)
    throw new Error("give --days or --not-after, not both");
  const notBefore = options.notBefore === undefined ? undefined : instant("--not-before", options.notBefore);
  let notAfter = options.notAfter === undefined ? undefined : instant("--not-after", options.notAfter);
  if (options.days !== undefined) {
    const days = Number(options.days);
    if (!/^\d+(\.\d+)?$/.test(options.days) || days <= 0)
      throw new Error(`--days: expected a positive number of days, got "${options.days}"`);
    notAfter = new Date((notBefore ?? new Date()).getTime() + days * DAY_MS);
  }
  if (notBefore && notAfter && notAfter <= notBefore)
    throw new Error("the certificate would end before it begins");
  return { notBefore, notAfter };
}

export function caCommand(program: Command): void {
  const ca = program.command("ca").description("a local test CA for trying certchat on one machine");
  ca.command("init")
    .description("create the test CA in the data directory")
    .option("--config <file>", ".env-style file with CERTCHAT_* settings")
    .option("--alg <alg>", `CA key algorithm: ${algorithms.join("|")}`, "ecdsa-p256")
    .action((options: { config?: string; alg: string }) =>
      runCommand(async () => {
        const dir = testCaDir(configFrom(options.config).dataDir);
        const created = await createTestCa(dir, { alg: algorithm(options.alg) });
        process.stdout.write(`test CA created: ${created.certPath}\n`);
      }),
    );
  ca.command("issue")
    .description("issue a user certificate with Russian subject attributes; writes cert.pem and key.pem")
    .requiredOption("--name <name>", 'full name, "Фамилия Имя Отчество"')
    .option("--snils <n>", "SNILS, 11 digits")
    .option("--inn <n>", "INN, 10 or 12 digits")
    .option("--ogrn <n>", "OGRN of the employer, 13 digits")
    .option("--ogrnip <n>", "OGRNIP of a sole proprietor, 15 digits")
    .option("--org <name>", "organization (O)")
    .option("--title <title>", "position (T)")
    .option("--alg <alg>", `key algorithm: ${algorithms.join("|")}`, "ecdsa-p256")
    .requiredOption("--out <dir>", "folder for cert.pem and key.pem")
    .option("--days <n>", "valid for n days from --not-before or now (fractions allowed; default 365)")
    .option("--not-before <date>", "start of validity, ISO 8601 (default an hour ago)")
    .option("--not-after <date>", "end of validity, ISO 8601 (a past date makes an expired certificate)")
    .option("--config <file>", ".env-style file with CERTCHAT_* settings")
    .action((options: IssueCommandOptions) =>
      runCommand(async () => {
        if (options.ogrn && options.ogrnip) throw new Error("give --ogrn or --ogrnip, not both");
        const dir = testCaDir(configFrom(options.config).dataDir);
        const {
          alg,
          out: _out,
          config: _config,
          days: _d,
          notBefore: _b,
          notAfter: _a,
          ...subject
        } = options;
        const period = validity(options);
        const issued = await issueTestCertificate(dir, { ...subject, ...period, alg: algorithm(alg) });
        await writeIssued(options.out, issued);
        process.stdout.write(
          `issued ${options.alg} certificate for ${options.name}: ${options.out}/cert.pem\n`,
        );
      }),
    );
  ca.command("revoke")
    .description("record a certificate of the test CA as revoked (listed by the next `ca crl`)")
    .argument("<cert>", "the certificate file (PEM or DER)")
    .option("--config <file>", ".env-style file with CERTCHAT_* settings")
    .action((certPath: string, options: { config?: string }) =>
      runCommand(async () => {
        const dir = testCaDir(configFrom(options.config).dataDir);
        const serial = await revokeTestCertificate(dir, new Uint8Array(await readFile(certPath)));
        process.stdout.write(`revoked certificate ${serial}; run \`certchat ca crl\` to publish it\n`);
      }),
    );
  ca.command("crl")
    .description("write a CRL of the test CA listing every revoked certificate (for CERTCHAT_CRL)")
    .option("--out <file>", `where to write it (default ${CRL_FILE} in the test CA's folder)`)
    .option("--config <file>", ".env-style file with CERTCHAT_* settings")
    .action((options: { out?: string; config?: string }) =>
      runCommand(async () => {
        const dir = testCaDir(configFrom(options.config).dataDir);
        const out = options.out ?? join(dir, CRL_FILE);
        const { revoked } = await writeTestCrl(dir, out);
        process.stdout.write(`CRL written: ${out} (${revoked} revoked); send SIGHUP to running servers\n`);
      }),
    );
}
