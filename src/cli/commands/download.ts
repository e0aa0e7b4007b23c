import { writeFile } from "node:fs/promises";
import type { Command } from "commander";
import { runCommand } from "../config-loader.ts";
import { signatureMark, terminalJson, terminalText } from "../user/format.ts";
import { openMessenger, type UserOptions, userCommand } from "../user/open-messenger.ts";
import { phasedProgress } from "../user/progress.ts";

interface DownloadOptions extends UserOptions {
  out: string;
  keepUnverified?: boolean;
}

export function downloadCommand(program: Command): void {
  userCommand(
    program
      .command("download")
      .description("download and decrypt a file of a chat, checking its CMS signature")
      .argument("<chat>", "chat id")
      .argument("<file>", "file id (as history shows it)")
      .requiredOption("--out <path>", "where to write the decrypted file")
      .option("--keep-unverified", "write the file even when its signature does not verify"),
  ).action((chat: string, file: string, options: DownloadOptions) =>
    runCommand(async () => {
      const { session, messenger } = await openMessenger(options);
      await messenger.lookUp(session.phones);
      const downloaded = await messenger.downloadFile(
        chat,
        file,
        phasedProgress({ download: "downloading", decrypt: "decrypting" }),
      );
      const verified = downloaded.signature === "verified";
      if (verified || options.keepUnverified) await writeFile(options.out, downloaded.content);
      const mark = signatureMark(downloaded.signature, downloaded.problem);
      if (options.json) {
        process.stdout.write(
          `${terminalJson({ out: verified || options.keepUnverified ? options.out : null, name: downloaded.name, bytes: downloaded.content.length, signature: downloaded.signature })}\n`,
        );
      } else if (verified || options.keepUnverified) {
        process.stdout.write(
          `${mark} ${terminalText(downloaded.name ?? file)}: ${downloaded.content.length} bytes → ${options.out}\n`,
        );
      }
      if (!verified) {
        throw new Error(
          `the file's signature is ${mark}${options.keepUnverified ? "" : "; not written (use --keep-unverified)"}`,
        );
      }
    }),
  );
}
