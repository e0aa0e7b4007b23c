import type { Command } from "commander";
import type { Contact } from "../../protocol/schemas/chats.ts";
import type { ChatMembersData } from "../../protocol/schemas/members.ts";
import { runCommand } from "../config-loader.ts";
import { chatLine, memberLines, peerLines, terminalJson } from "../user/format.ts";
import { openMessenger, type UserOptions, userCommand } from "../user/open-messenger.ts";
import { rememberPhones } from "../user/session-store.ts";

interface AddOptions extends UserOptions {
  members: string;
  history: string;
}

interface AdminOptions extends UserOptions {
  demote?: boolean;
  owner?: boolean;
}

function phoneList(text: string | undefined): string[] {
  return (text ?? "")
    .split(",")
    .map((phone) => phone.trim())
    .filter(Boolean);
}

/** Prints the member list after a change: the JSON of chatMembers, or one line per member. */
function printMembers(data: ChatMembersData, json: boolean | undefined): void {
  if (json) process.stdout.write(`${terminalJson(data)}\n`);
  else process.stdout.write(`${memberLines(data).join("\n")}\n`);
}

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
      const members = phoneList(options.members);
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
      if (options.json) process.stdout.write(`${terminalJson(created)}\n`);
      else process.stdout.write(`${chatLine(created)}\n`);
    }),
  );

  userCommand(
    chat
      .command("members")
      .description("a chat's members with roles, their certificates' key status and the wait list")
      .argument("<chat>", "chat id"),
  ).action((chatId: string, options: UserOptions) =>
    runCommand(async () => {
      const { messenger } = await openMessenger(options);
      printMembers(await messenger.membership.members(chatId), options.json);
    }),
  );
  userCommand(
    chat
      .command("peer")
      .description(
        "whom a personal chat's keys are bound to (their certificate's subject) and the safety code to compare with them",
      )
      .argument("<chat>", "chat id"),
  ).action((chatId: string, options: UserOptions) =>
    runCommand(async () => {
      const { messenger } = await openMessenger(options);
      const peer = await messenger.pairPeer(chatId);
      if (options.json) process.stdout.write(`${terminalJson(peer)}\n`);
      else if (!peer.bound) throw new Error(peer.problem);
      else process.stdout.write(`${peerLines(peer).join("\n")}\n`);
    }),
  );
  userCommand(
    chat
      .command("add")
      .description("add members to a group or channel (owner and admins)")
      .argument("<chat>", "chat id")
      .requiredOption("--members <phones>", "comma-separated phones of the profiles to add")
      .option("--history <now|all>", "what the new members may read: from now on, or all epochs", "now"),
  ).action((chatId: string, options: AddOptions) =>
    runCommand(async () => {
      if (options.history !== "now" && options.history !== "all") throw new Error("--history is now or all");
      const phones = phoneList(options.members);
      if (phones.length === 0) throw new Error("--members needs at least one phone");
      const { home, session, messenger } = await openMessenger(options);
      const data = await messenger.membership.add(chatId, phones, { history: options.history });
      await rememberPhones(
        home,
        session,
        data.members.map((member) => member.phone),
      );
      printMembers(data, options.json);
    }),
  );
  userCommand(
    chat
      .command("remove")
      .description("remove a member (the chat key rotates in the same request)")
      .argument("<chat>", "chat id")
      .argument("<phone>", "the member's phone"),
  ).action((chatId: string, phone: string, options: UserOptions) =>
    runCommand(async () => {
      const { messenger } = await openMessenger(options);
      printMembers(await messenger.membership.remove(chatId, phone), options.json);
    }),
  );
  userCommand(
    chat
      .command("leave")
      .description("leave a group or channel (an owner hands ownership over first: chat admin --owner)")
      .argument("<chat>", "chat id"),
  ).action((chatId: string, options: UserOptions) =>
    runCommand(async () => {
      const { messenger } = await openMessenger(options);
      await messenger.membership.leave(chatId);
      if (options.json) process.stdout.write(`${terminalJson({ chatId })}\n`);
      else process.stdout.write(`left ${chatId}\n`);
    }),
  );
  userCommand(
    chat
      .command("admin")
      .description(
        "make a member an admin (owner only); --demote makes an admin a member, --owner hands ownership over",
      )
      .argument("<chat>", "chat id")
      .argument("<phone>", "the member's phone")
      .option("--demote", "make the admin a plain member again")
      .option("--owner", "hand ownership over: you become an admin"),
  ).action((chatId: string, phone: string, options: AdminOptions) =>
    runCommand(async () => {
      if (options.demote && options.owner) throw new Error("give --demote or --owner, not both");
      const role = options.demote ? "member" : options.owner ? "owner" : "admin";
      const { messenger } = await openMessenger(options);
      printMembers(await messenger.membership.setRole(chatId, phone, role), options.json);
    }),
  );
  userCommand(
    chat
      .command("rotate")
      .description(
        "make a new key epoch for the chat's members (owner and admins; anyone when a leave made it due)",
      )
      .argument("<chat>", "chat id"),
  ).action((chatId: string, options: UserOptions) =>
    runCommand(async () => {
      const { messenger } = await openMessenger(options);
      printMembers(await messenger.membership.rotate(chatId), options.json);
    }),
  );
}
