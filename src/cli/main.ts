import { Command } from "commander";
import { billingCommand } from "./commands/billing.ts";
import { caCommand } from "./commands/ca.ts";
import { migrateCommand } from "./commands/migrate.ts";
import { pkiCommand } from "./commands/pki.ts";
import { serveCommand } from "./commands/serve.ts";

const program = new Command("certchat").description(
  "certchat: end-to-end encrypted messenger with certificate login",
);
serveCommand(program);
migrateCommand(program);
caCommand(program);
billingCommand(program);
pkiCommand(program);
await program.parseAsync(process.argv);
