import type { Command } from "commander";
import {
  createTestCa,
  type IssueAlgorithm,
  type IssueOptions,
  issueTestCertificate,
  writeIssued,
} from "../../server/pki/test-ca.ts";
import { testCaDir } from "../../server/trust-setup.ts";
import { configFrom, runCommand } from "../config-loader.ts";

const algorithms: IssueAlgorithm[] = ["ecdsa-p256", "rsa-2048", "ed25519", "gost2012-256", "gost2012-512"];

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
};

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
    .option("--config <file>", ".env-style file with CERTCHAT_* settings")
    .action((options: IssueCommandOptions) =>
      runCommand(async () => {
        if (options.ogrn && options.ogrnip) throw new Error("give --ogrn or --ogrnip, not both");
        const dir = testCaDir(configFrom(options.config).dataDir);
        const { alg, out: _out, config: _config, ...subject } = options;
        const issued = await issueTestCertificate(dir, { ...subject, alg: algorithm(alg) });
        await writeIssued(options.out, issued);
        process.stdout.write(
          `issued ${options.alg} certificate for ${options.name}: ${options.out}/cert.pem\n`,
        );
      }),
    );
}
