import type { Command } from "commander";
import { runCommand } from "../config-loader.ts";
import { messageJson, messageLine, printList } from "../user/format.ts";
import { openMessenger, type UserOptions, userCommand } from "../user/open-messenger.ts";

interface HistoryOptions extends UserOptions {
  before?: string;
  after?: string;
  files?: boolean;
}

export function historyCommand(program: Command): void {
  userCommand(
    program
      .command("history")
      .description("up to 50 messages of a chat, decrypted, each with its signature status (✓ ✗ ?)")
      .argument("<chat>", "chat id")
      .option("--before <id>", "the messages just before this id")
      .option("--after <id>", "the messages just after this id")
      .option("--files", "file messages only"),
  ).action((chat: string, options: HistoryOptions) =>
    runCommand(async () => {
      if (options.before !== undefined && options.after !== undefined)
        throw new Error("give --before or --after, not both");
      const { session, messenger } = await openMessenger(options);
      // The address book's certificates verify group members who are neither the owner nor personal contacts.
      await messenger.lookUp(session.phones);
      const history = await messenger.history(chat, {
        ...(options.before !== undefined ? { before: messageId(options.before) } : {}),
        ...(options.after !== undefined ? { after: messageId(options.after) } : {}),
        ...(options.files ? { files: true } : {}),
      });
      printList(history, options.json ?? false, messageLine, messageJson);
    }),
  );
}

function messageId(text: string): number {
  const id = Number(text);
  if (!Number.isSafeInteger(id) || id < 0) throw new Error(`not a message id: ${text}`);
  return id;
}
