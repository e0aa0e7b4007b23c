import type { Command } from "commander";
import { configuredBlobStore } from "../../server/blobs/configured-store.ts";
import { type Config, parseDuration } from "../../server/config.ts";
import { sweepOrphanBlobs } from "../../server/services/blob-sweep.ts";
import { withAdminStorage } from "../admin/storage.ts";
import { configFrom, runCommand } from "../config-loader.ts";

/** The grace period may not be shortened below the server's floor (docs/DECISIONS.md §21). */
const MIN_GRACE_MS = 3_600_000;

/** Exit status when another sweep holds the PostgreSQL lock: nothing was done, try again later. */
const EXIT_BUSY = 3;

async function sweep(config: Config, options: { grace?: string; dryRun?: boolean }): Promise<void> {
  const graceMs =
    options.grace === undefined ? config.blobSweep.graceMs : parseDuration("--grace", options.grace);
  if (graceMs < MIN_GRACE_MS) throw new Error("--grace must be at least 1h");
  const blobs = await configuredBlobStore(config);
  const outcome = await withAdminStorage(config, (storage) =>
    sweepOrphanBlobs({ storage, blobs, clock: Date.now, graceMs, dryRun: options.dryRun }),
  ).finally(() => blobs.close?.());
  if (!outcome) {
    process.stderr.write(
      "certchat: another sweep is running (a node's or another command's); nothing done\n",
    );
    process.exit(EXIT_BUSY);
  }
  const verb = options.dryRun ? "would remove" : "removed";
  process.stdout.write(
    `${blobs.description}: ${outcome.scanned} blob(s) listed, ${verb} ${outcome.removed} orphan(s) of ` +
      `${outcome.removedBytes} byte(s) (named by no message, older than ${graceMs / 3_600_000}h)\n`,
  );
}

export function filesCommand(program: Command): void {
  const files = program.command("files").description("the file store (CERTCHAT_FILES)");
  files
    .command("sweep")
    .description("delete orphan files: named by no message and older than the grace period, once")
    .option(
      "--grace <duration>",
      "how old an orphan must be (default CERTCHAT_BLOB_SWEEP_GRACE, at least 1h)",
    )
    .option("--dry-run", "count the orphans without deleting them")
    .option("--config <file>", ".env-style file with CERTCHAT_* settings")
    .action((options: { grace?: string; dryRun?: boolean; config?: string }) =>
      runCommand(() => sweep(configFrom(options.config), options)),
    );
}
