import type { Command } from "commander";
import { runCommand } from "../config-loader.ts";
import { messageJson, messageLine, terminalJson } from "../user/format.ts";
import { openMessenger, type UserOptions, userCommand } from "../user/open-messenger.ts";

export function listenCommand(program: Command): void {
  userCommand(
    program
      .command("listen")
      .description(
        "print new messages as they arrive until Ctrl-C: the chats given, or all your chats, following chats you are added to; serves wait lists (keys for renewed or added certificates) while running",
      )
      .argument("[chats...]", "chat ids (default: all your chats, and new ones as you are added)"),
  ).action((chats: string[], options: UserOptions) =>
    runCommand(async () => {
      const { session, messenger } = await openMessenger(options);
      await messenger.lookUp(session.phones);
      const socket = await messenger.listen(
        chats.length > 0 ? chats : "all",
        (read) => {
          process.stdout.write(`${options.json ? terminalJson(messageJson(read)) : messageLine(read)}\n`);
        },
        {
          onError: (error) =>
            process.stderr.write(`certchat: ${error instanceof Error ? error.message : String(error)}\n`),
        },
      );
      process.stderr.write(
        chats.length > 0
          ? `listening on ${chats.length} chat(s); Ctrl-C to stop\n`
          : "listening on all your chats, following new ones; Ctrl-C to stop\n",
      );
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      socket.close();
    }),
  );
}
