import type { Command } from "commander";
import { formatTable } from "../admin/table.ts";
import { TrustReport } from "../admin/trust-report.ts";
import { configFrom, runCommand } from "../config-loader.ts";
import { readCertificateFile } from "../pki/inputs.ts";
import { terminalJson } from "../user/format.ts";

function printJson(value: unknown): void {
  process.stdout.write(`${terminalJson(value, 2)}\n`);
}

function checkTime(at: string | undefined): Date {
  if (at === undefined) return new Date();
  const time = new Date(at);
  if (Number.isNaN(time.getTime())) throw new Error(`--at: not a date: "${at}"`);
  return time;
}

function listText(report: TrustReport): string {
  const anchors =
    report.anchors.length === 0
      ? "no trust anchors: CERTCHAT_TRUST is unset and the data directory has no test CA yet (serve creates it)\n"
      : formatTable(
          ["qualified", "role", "subject", "not after", "fingerprint", "source"],
          report.anchors.map((a) => [
            a.qualified,
            a.role,
            a.subject,
            `${a.notAfter.slice(0, 10)}${a.expired ? " EXPIRED" : ""}`,
            a.fingerprint.slice(0, 16),
            a.source,
          ]),
        );
  const crls =
    report.crls.length === 0
      ? "no CRLs configured (CERTCHAT_CRL)\n"
      : formatTable(
          ["issuer", "this update", "next update", "stale", "revoked", "source"],
          report.crls.map((c) => [
            c.issuer,
            c.thisUpdate,
            c.nextUpdate ?? "none",
            c.stale ? "STALE" : "fresh",
            String(c.revoked),
            c.source,
          ]),
        );
  const warnings = report.warnings.map((warning) => `warning: ${warning}\n`).join("");
  return `${anchors}\n${crls}${warnings ? `\n${warnings}` : ""}`;
}

export function trustCommand(program: Command): void {
  const trust = program.command("trust").description("the trust anchors and CRLs the server loads");
  trust
    .command("list")
    .description(
      "the anchors of CERTCHAT_TRUST (or the test CA) with their qualified mark, and CRL freshness",
    )
    .option("--json", "JSON instead of tables")
    .option("--at <time>", "judge expiry and staleness at this time instead of now")
    .option("--config <file>", ".env-style file with CERTCHAT_* settings")
    .action((options: { json?: boolean; at?: string; config?: string }) =>
      runCommand(async () => {
        const report = await TrustReport.load(configFrom(options.config), checkTime(options.at));
        if (options.json)
          printJson({ anchors: report.anchors, crls: report.crls, warnings: report.warnings });
        else process.stdout.write(listText(report));
      }),
    );
  trust
    .command("check <file>")
    .description("would this certificate (PEM or DER) pass the login chain check now; exit 0 yes, 1 no")
    .option("--json", "JSON instead of text")
    .option("--at <time>", "check at this time instead of now")
    .option("--config <file>", ".env-style file with CERTCHAT_* settings")
    .action((file: string, options: { json?: boolean; at?: string; config?: string }) =>
      runCommand(async () => {
        const at = checkTime(options.at);
        const cert = await readCertificateFile(file);
        const report = await TrustReport.load(configFrom(options.config), at);
        const result = await report.check(cert, at);
        if (options.json) {
          printJson({ subject: cert.subjectDn, fingerprint: cert.fingerprint, ...result });
        } else {
          const { status, path, qualified, issuerCrls } = result;
          process.stdout.write(
            `${cert.subjectDn}\n  chain:     ${status.ok ? "trusted" : `refused (${status.reason}: ${status.detail})`}\n` +
              path
                .map((anchor) => `  issued by: ${anchor.subject} [${anchor.role}, ${anchor.qualified}]\n`)
                .join("") +
              `  qualified: ${qualified ?? "no configured issuer"}\n` +
              (issuerCrls.length === 0
                ? "  CRL:       none for its issuer\n"
                : issuerCrls
                    .map(
                      (crl) =>
                        `  CRL:       ${crl.source}, next update ${crl.nextUpdate ?? "none"}${crl.stale ? " STALE" : ""}\n`,
                    )
                    .join("")),
          );
        }
        if (!result.status.ok) process.exitCode = 1;
      }),
    );
}
