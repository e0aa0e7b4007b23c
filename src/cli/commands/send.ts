import { readFile } from "node:fs/promises";
import { basename, extname } from "node:path";
import type { Command } from "commander";
import type { Message } from "../../protocol/schemas/messages.ts";
import { runCommand } from "../config-loader.ts";
import { terminalJson } from "../user/format.ts";
import { openMessenger, type UserOptions, userCommand } from "../user/open-messenger.ts";
import { phasedProgress } from "../user/progress.ts";

interface SendOptions extends UserOptions {
  file?: string;
}

export function sendCommand(program: Command): void {
  userCommand(
    program
      .command("send")
      .description("send an encrypted, signed text or file to a chat")
      .argument("<chat>", "chat id")
      .argument("[text]", "the text")
      .option("--file <path>", "send this file instead (encrypted, with a detached CMS signature)"),
  ).action((chat: string, text: string | undefined, options: SendOptions) =>
    runCommand(async () => {
      if ((text === undefined) === (options.file === undefined))
        throw new Error("give either TEXT or --file");
      const { messenger } = await openMessenger(options);
      let sent: Message;
      if (options.file) {
        const content = new Uint8Array(await readFile(options.file));
        sent = await messenger.sendFile(
          chat,
          {
            content,
            name: basename(options.file),
            type: extname(options.file).slice(1).toLowerCase() || "file",
          },
          phasedProgress({ encrypt: "encrypting", upload: "uploading" }),
        );
      } else {
        sent = await messenger.sendText(chat, text ?? "");
      }
      if (options.json) process.stdout.write(`${terminalJson(sent)}\n`);
      else process.stdout.write(`sent #${sent.id}${sent.file ? ` (file ${sent.file})` : ""}\n`);
    }),
  );
}
