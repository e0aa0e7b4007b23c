import type { Command } from "commander";
import { createBackup, UnsupportedStorageError } from "../admin/backup.ts";
import { configFrom, runCommand } from "../config-loader.ts";

/** Storage that this command does not back up gets exit 2 and the tool to use instead (see the message). */
export async function exitTwoWhenUnsupported(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    if (!(error instanceof UnsupportedStorageError)) throw error;
    process.stderr.write(`certchat: ${error.message}\n`);
    process.exit(2);
  }
}

export function backupCommand(program: Command): void {
  program
    .command("backup")
    .description(
      "online backup of the SQLite database and the file store into a new directory, with checksums",
    )
    .requiredOption("--out <dir>", "a new or empty directory for the backup")
    .option("--config <file>", ".env-style file with CERTCHAT_* settings")
    .action((options: { out: string; config?: string }) =>
      runCommand(() =>
        exitTwoWhenUnsupported(async () => {
          const manifest = await createBackup(configFrom(options.config), options.out);
          const files = manifest.entries.filter((entry) => entry.path.startsWith("files/")).length;
          process.stdout.write(
            `backup in ${options.out}: database with ${manifest.messages} message(s) (last id ${manifest.lastMessageId ?? "none"}), ` +
              `${files} file(s), ${manifest.entries.length} entries with SHA-256 in manifest.json\n`,
          );
        }),
      ),
    );
}
