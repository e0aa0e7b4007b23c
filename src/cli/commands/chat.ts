import type { Command } from "commander";
import type { Contact } from "../../protocol/schemas/chats.ts";
import { runCommand } from "../config-loader.ts";
import { chatLine } from "../user/format.ts";
import { openMessenger, type UserOptions, userCommand } from "../user/open-messenger.ts";
import { rememberPhones } from "../user/session-store.ts";

interface CreateOptions extends UserOptions {
  with?: string;
  group?: string;
  channel?: string;
  members?: string;
}

export function chatCommand(program: Command): void {
  const chat = program.command("chat").description("chats");
  userCommand(
    chat
      .command("create")
      .description("a personal chat (--with), or a group or channel you own (--members)")
      .option("--with <phone>", "personal chat with the holder of this phone")
      .option("--group <name>", "a group with this name")
      .option("--channel <name>", "a channel with this name (only you post)")
      .option("--members <phones>", "comma-separated phones of the group's or channel's members"),
  ).action((options: CreateOptions) =>
    runCommand(async () => {
      const kinds = [options.with, options.group, options.channel].filter((kind) => kind !== undefined);
      if (kinds.length !== 1) throw new Error("give exactly one of --with, --group or --channel");
      const members = (options.members ?? "")
        .split(",")
        .map((phone) => phone.trim())
        .filter(Boolean);
      if (!options.with && members.length === 0) throw new Error("--group and --channel need --members");
      const { home, session, messenger } = await openMessenger(options);
      let created: Contact;
      if (options.with) created = await messenger.chatWith(options.with);
      else if (options.group) created = await messenger.createGroup(options.group, members);
      else created = await messenger.createGroup(options.channel ?? "", members, true);
      const known = await messenger.lookUp(options.with ? [options.with] : members);
      await rememberPhones(
        home,
        session,
        known.map((contact) => contact.phone),
      );
      if (options.json) process.stdout.write(`${JSON.stringify(created)}\n`);
      else process.stdout.write(`${chatLine(created)}\n`);
    }),
  );
}
