import type { Command } from "commander";
import { runCommand } from "../config-loader.ts";
import { chatLine, contactLine, printList } from "../user/format.ts";
import { openMessenger, type UserOptions, userCommand } from "../user/open-messenger.ts";
import { rememberPhones } from "../user/session-store.ts";

interface ContactsOptions extends UserOptions {
  phone?: string[];
}

export function contactsCommand(program: Command): void {
  userCommand(
    program
      .command("contacts")
      .description("your chats, most recent first; with --phone, the registered people holding those phones")
      .option("--phone <phones...>", "look these phones up (they join your address book)"),
  ).action((options: ContactsOptions) =>
    runCommand(async () => {
      const { home, session, messenger } = await openMessenger(options);
      if (!options.phone?.length) {
        printList(await messenger.chats(), options.json ?? false, chatLine);
        return;
      }
      const found = await messenger.lookUp(options.phone);
      await rememberPhones(
        home,
        session,
        found.map((contact) => contact.phone),
      );
      printList(found, options.json ?? false, contactLine);
    }),
  );
}
