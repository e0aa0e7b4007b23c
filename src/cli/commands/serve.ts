import type { Command } from "commander";
import { type CertchatServer, createServer } from "../../server/app.ts";
import { CLOSING_QUIET_LIMIT_MS } from "../../server/http/closing.ts";
import { configFrom, runCommand } from "../config-loader.ts";

/**
 * Closing is bounded step by step; should it still hang this long after the drain delay and the longest wait
 * for requests to stop, the process ends anyway (exit 1: not clean).
 */
const SHUTDOWN_LIMIT_MS = 20_000;

/**
 * SIGTERM/SIGINT close the server and exit 0. The handlers are installed before the server starts, so a
 * signal sent as soon as the banner appears never meets the default (killing) action; a second signal
 * while shutting down is ignored.
 */
function exitOnSignals(current: () => CertchatServer | undefined, drainDelayMs: () => number): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`certchat: ${signal} received, shutting down\n`);
    const limitMs = SHUTDOWN_LIMIT_MS + drainDelayMs() + CLOSING_QUIET_LIMIT_MS;
    setTimeout(() => {
      process.stderr.write(`certchat: shutdown took over ${limitMs / 1000}s, exiting anyway\n`);
      process.exit(1);
    }, limitMs).unref();
    await current()?.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

/** SIGHUP re-reads CERTCHAT_TRUST and CERTCHAT_CRL (the server logs the outcome; a broken file keeps the old). */
function reloadOnHangup(current: () => CertchatServer | undefined): void {
  process.on("SIGHUP", () => {
    const server = current();
    if (!server) return;
    void server.reloadTrust().then((outcome) => {
      const revoked = outcome.reloaded ? `, ${outcome.revoked} certificate(s) newly revoked` : "";
      process.stdout.write(
        `certchat: SIGHUP: trust ${outcome.reloaded ? "reloaded" : "NOT reloaded"}${revoked}\n`,
      );
    });
  });
}

export function serveCommand(program: Command): void {
  program
    .command("serve")
    .description("run the HTTP API (embedded SQLite and the test CA unless configured otherwise)")
    .option("--config <file>", ".env-style file with CERTCHAT_* settings")
    .action((options: { config?: string }) =>
      runCommand(async () => {
        let server: CertchatServer | undefined;
        let drainDelayMs = 0;
        exitOnSignals(
          () => server,
          () => drainDelayMs,
        );
        reloadOnHangup(() => server);
        const config = configFrom(options.config);
        drainDelayMs = config.drainDelayMs;
        server = await createServer(config);
        const address = await server.listen();
        const { storage, trust, sms, verify, gost, files, realtime } = server.settings;
        process.stdout.write(
          `certchat listening on ${address}\n  storage: ${storage}\n  trust:   ${trust}\n  sms:     ${sms}\n` +
            `  verify:  ${verify}\n  GOST:    ${gost}\n  files:   ${files}\n  realtime: ${realtime}\n` +
            `  metrics: ${server.metricsUrl() ?? "off"}\n`,
        );
      }),
    );
}
