import type { Command } from "commander";
import { parseAmount, topUp } from "../../server/services/billing.ts";
import { openStorage, storageTarget } from "../../server/storage/database.ts";
import { configFrom, runCommand } from "../config-loader.ts";

export function billingCommand(program: Command): void {
  const billing = program.command("billing").description("the profiles' balance ledger");
  billing
    .command("topup")
    .description("add money to a profile's balance")
    .requiredOption("--pid <id>", "profile id")
    .requiredOption("--amount <roubles>", "amount in roubles, e.g. 299 or 299.50")
    .option("--config <file>", ".env-style file with CERTCHAT_* settings")
    .action((options: { pid: string; amount: string; config?: string }) =>
      runCommand(async () => {
        const pid = Number(options.pid);
        if (!Number.isSafeInteger(pid) || pid <= 0) throw new Error("--pid must be a profile id");
        const amount = parseAmount(options.amount);
        if (amount <= 0) throw new Error("--amount must be positive");
        const config = configFrom(options.config);
        const storage = openStorage(storageTarget(config.dataDir, config.databaseUrl));
        try {
          const balance = await topUp(storage.db, pid, amount, Date.now());
          process.stdout.write(`profile ${pid}: balance ${(balance / 100).toFixed(2)}\n`);
        } finally {
          await storage.close();
        }
      }),
    );
}
