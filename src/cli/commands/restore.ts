import type { Command } from "commander";
import { restoreBackup } from "../admin/restore.ts";
import { configFrom, runCommand } from "../config-loader.ts";
import { exitTwoWhenUnsupported } from "./backup.ts";

export function restoreCommand(program: Command): void {
  program
    .command("restore <dir>")
    .description("verify a backup's checksums and restore it into the (empty) CERTCHAT_DATA_DIR")
    .option("--config <file>", ".env-style file with CERTCHAT_* settings")
    .action((dir: string, options: { config?: string }) =>
      runCommand(() =>
        exitTwoWhenUnsupported(async () => {
          const config = configFrom(options.config);
          const manifest = await restoreBackup(config, dir);
          process.stdout.write(
            `restored ${manifest.entries.length} file(s) of the backup made ${manifest.createdAt} into ${config.dataDir}; ` +
              "certchat serve migrates it if it is older than this version\n",
          );
        }),
      ),
    );
}
