import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The `certchat` command of the source in this tree, not bin/certchat.js (whose dist/ may be stale): the
 * compiled dist/ when it was built from exactly this source, else the TypeScript through tsx.
 */
export const certchatBin = fileURLToPath(new URL("./certchat-current.mjs", import.meta.url));
/** Always the TypeScript through tsx: benchmarks compare trees alike whether or not dist/ is built. */
export const certchatSourceBin = fileURLToPath(new URL("./certchat-from-source.mjs", import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Servers run side by side on this machine: the metrics listener takes any free port, and shutdown does not
 * wait for a load balancer that is not there.
 */
export const quietServerEnv = {
  CERTCHAT_METRICS_PORT: "0",
  CERTCHAT_DRAIN_DELAY: "0",
  CERTCHAT_CLOSING_QUIET: "0",
};

/** Environment for a CLI run: only the given CERTCHAT_* settings, quiet logs. */
function cliEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith("CERTCHAT_")),
  );
  return { ...base, ...quietServerEnv, CERTCHAT_LOG_LEVEL: "warn", ...env };
}

/** Runs `certchat ARGS` to completion (bounded by `timeoutMs`). */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<CliResult> {
  return runCliAnswering(args, env, undefined, timeoutMs);
}

/** A prompt to answer: once stderr contains `prompt`, `answer()` is written to stdin as one line. */
export interface CliPrompt {
  prompt: string;
  answer(): string;
}

/** Runs `certchat ARGS` to completion, answering one prompt on stdin (e.g. the SMS code of `login`). */
export function runCliAnswering(
  args: string[],
  env: Record<string, string>,
  prompt: CliPrompt | undefined,
  timeoutMs = 30_000,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    // Not in the repository folder: a ./data/ca left there by `npm start` would be taken as the trust anchors.
    const child = spawn(process.execPath, [certchatBin, ...args], {
      env: cliEnv(env),
      timeout: timeoutMs,
      cwd: tmpdir(),
    });
    let stdout = "";
    let stderr = "";
    let answered = prompt === undefined;
    if (answered) child.stdin.end();
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
      if (!answered && prompt && stderr.includes(prompt.prompt)) {
        answered = true;
        child.stdin.end(`${prompt.answer()}\n`);
      }
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** How a command is run: as given, or under a wrapper that execs it (the benchmarks' `taskset`). */
export type CommandWrapper = (file: string, args: string[]) => { file: string; args: string[] };

/**
 * Starts a long-running `certchat ARGS` and resolves once its stdout (or stderr) contains `readyText`; `bin`:
 * which certchat (certchatBin, or certchatSourceBin for a benchmark's like-with-like runs).
 */
export function startCli(
  args: string[],
  env: Record<string, string>,
  readyText: string,
  timeoutMs = 30_000,
  wrap: CommandWrapper = (file, fileArgs) => ({ file, args: fileArgs }),
  bin = certchatBin,
): Promise<{ child: ChildProcess; stdout: () => string }> {
  return new Promise((resolve, reject) => {
    const command = wrap(process.execPath, [bin, ...args]);
    const child = spawn(command.file, command.args, { env: cliEnv(env), cwd: tmpdir() });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(`certchat ${args.join(" ")} did not print "${readyText}" in time: ${stdout}${stderr}`),
      );
    }, timeoutMs);
    const check = () => {
      if (stdout.includes(readyText) || stderr.includes(readyText)) {
        clearTimeout(timer);
        resolve({ child, stdout: () => stdout });
      }
    };
    child.stdout?.on("data", (chunk) => {
      stdout += chunk;
      check();
    });
    child.stderr?.on("data", (chunk) => {
      stderr += chunk;
      check();
    });
    child.on("error", reject);
  });
}

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), "certchat-cli-"));
}
