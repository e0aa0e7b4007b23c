import type { Command } from "commander";
import { runCommand } from "../config-loader.ts";
import { messageJson, messageLine } from "../user/format.ts";
import { openMessenger, type UserOptions, userCommand } from "../user/open-messenger.ts";

export function listenCommand(program: Command): void {
  userCommand(
    program
      .command("listen")
      .description("print new messages as they arrive (all your chats, or those given) until Ctrl-C")
      .argument("[chats...]", "chat ids (default: all your chats)"),
  ).action((chats: string[], options: UserOptions) =>
    runCommand(async () => {
      const { session, messenger } = await openMessenger(options);
      await messenger.lookUp(session.phones);
      const chatIds =
        chats.length > 0
          ? chats
          : (await messenger.chats()).flatMap((contact) => (contact.chatId ? [contact.chatId] : []));
      const socket = await messenger.listen(chatIds, (read) => {
        process.stdout.write(`${options.json ? JSON.stringify(messageJson(read)) : messageLine(read)}\n`);
      });
      process.stderr.write(`listening on ${chatIds.length} chat(s); Ctrl-C to stop\n`);
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      socket.close();
    }),
  );
}
