import type { Command } from "commander";
import { findProfiles, profileReport, profileText } from "../admin/profile-report.ts";
import { withAdminStorage } from "../admin/storage.ts";
import { configFrom, runCommand } from "../config-loader.ts";
import { terminalJson } from "../user/format.ts";

export function profileCommand(program: Command): void {
  const profile = program.command("profile").description("look at profiles");
  profile
    .command("show <phone|pid>")
    .description(
      "a profile (by id) or every profile of a phone: identity, phone, certificates, sessions, balance",
    )
    .option("--json", "JSON instead of text")
    .option("--config <file>", ".env-style file with CERTCHAT_* settings")
    .action((what: string, options: { json?: boolean; config?: string }) =>
      runCommand(async () => {
        const config = configFrom(options.config);
        await withAdminStorage(config, async (storage) => {
          const profiles = await findProfiles(storage.db, what);
          if (profiles.length === 0) throw new Error(`no profile for ${what}`);
          const liveSince = Date.now() - config.ttl.tokenIdleMs;
          const reports = [];
          for (const found of profiles) reports.push(await profileReport(storage.db, found, liveSince));
          process.stdout.write(
            options.json ? `${terminalJson(reports, 2)}\n` : reports.map(profileText).join("\n"),
          );
        });
      }),
    );
}
