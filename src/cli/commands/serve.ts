import type { Command } from "commander";
import { createServer } from "../../server/app.ts";
import { configFrom, runCommand } from "../config-loader.ts";

export function serveCommand(program: Command): void {
  program
    .command("serve")
    .description("run the HTTP API (embedded SQLite and the test CA unless configured otherwise)")
    .option("--config <file>", ".env-style file with CERTCHAT_* settings")
    .action((options: { config?: string }) =>
      runCommand(async () => {
        const config = configFrom(options.config);
        const server = await createServer(config);
        const address = await server.listen();
        const { storage, trust, sms, verify, gost } = server.settings;
        const stop = async (signal: string) => {
          process.stdout.write(`certchat: ${signal} received, shutting down\n`);
          await server.close();
          process.exit(0);
        };
        process.once("SIGTERM", () => void stop("SIGTERM"));
        process.once("SIGINT", () => void stop("SIGINT"));
        // After the handlers: whoever reads the banner may signal at once.
        process.stdout.write(
          `certchat listening on ${address}\n  storage: ${storage}\n  trust:   ${trust}\n  sms:     ${sms}\n` +
            `  verify:  ${verify}\n  GOST:    ${gost}\n`,
        );
      }),
    );
}
