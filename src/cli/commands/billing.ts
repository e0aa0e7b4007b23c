import type { Command } from "commander";
import { parseAmount, topUp } from "../../server/services/billing.ts";
import { recordAuditEvent } from "../../server/storage/repositories/audit.ts";
import { adminActor, withAdminStorage } from "../admin/storage.ts";
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
        await withAdminStorage(config, async (storage) => {
          const balance = await storage.db.transaction().execute(async (trx) => {
            const now = Date.now();
            const event = { profileId: pid, details: { amountMinor: amount } };
            await recordAuditEvent(trx, { type: "billing.topup", actor: adminActor(), ...event }, now);
            return topUp(trx, pid, amount, now);
          });
          process.stdout.write(`profile ${pid}: balance ${(balance / 100).toFixed(2)}\n`);
        });
      }),
    );
}
