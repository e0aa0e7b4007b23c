import { Command } from "commander";
import { billingCommand } from "./commands/billing.ts";
import { caCommand } from "./commands/ca.ts";
import { chatCommand } from "./commands/chat.ts";
import { contactsCommand } from "./commands/contacts.ts";
import { downloadCommand } from "./commands/download.ts";
import { historyCommand } from "./commands/history.ts";
import { listenCommand } from "./commands/listen.ts";
import { loginCommand } from "./commands/login.ts";
import { migrateCommand } from "./commands/migrate.ts";
import { pkiCommand } from "./commands/pki.ts";
import { sendCommand } from "./commands/send.ts";
import { serveCommand } from "./commands/serve.ts";

const program = new Command("certchat").description(
  "certchat: end-to-end encrypted messenger with certificate login",
);
serveCommand(program);
migrateCommand(program);
caCommand(program);
billingCommand(program);
pkiCommand(program);
loginCommand(program);
contactsCommand(program);
chatCommand(program);
sendCommand(program);
historyCommand(program);
listenCommand(program);
downloadCommand(program);
await program.parseAsync(process.argv);
