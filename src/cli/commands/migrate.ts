import type { Command } from "commander";
import { migrateToLatest, openStorage, storageTarget } from "../../server/storage/database.ts";
import { configFrom, runCommand } from "../config-loader.ts";

export function migrateCommand(program: Command): void {
  program
    .command("migrate")
    .description("apply pending database migrations (serve also does this at start-up)")
    .option("--config <file>", ".env-style file with CERTCHAT_* settings")
    .action((options: { config?: string }) =>
      runCommand(async () => {
        const config = configFrom(options.config);
        const storage = openStorage(storageTarget(config.dataDir, config.databaseUrl));
        try {
          const applied = await migrateToLatest(storage);
          process.stdout.write(
            applied.length > 0
              ? `applied ${applied.join(", ")} to ${storage.description}\n`
              : `${storage.description} is up to date\n`,
          );
        } finally {
          await storage.close();
        }
      }),
    );
}
