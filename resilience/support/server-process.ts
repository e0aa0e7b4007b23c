import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { certchatBin, quietServerEnv } from "../../test/support/cli.ts";
import { freePort, kill } from "../../test/support/processes.ts";

const READY_TEXT = "realtime:";
// Generous: a loaded 2-core CI machine has taken over 30 s (test CA, GOST engine self-test, workers).
const START_TIMEOUT_MS = 90_000;

/**
 * `certchat serve` as a child process, so that a crash is observable (the process exits) and its memory can
 * be measured (VmRSS). Everything it prints is kept: error-level log lines are evidence of unexpected faults.
 */
export interface ServerProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** Resident set size in bytes, from /proc/<pid>/status. */
  rssBytes(): number;
  /** CPU seconds (user + system) the process has used, from /proc/<pid>/stat. */
  cpuSeconds(): number;
  /** stdout and stderr so far. */
  output(): string;
  /** True while the process has not exited. */
  alive(): boolean;
  kill(): Promise<void>;
}

/** Environment for the child: only the given CERTCHAT_* settings (none inherited from this process). */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith("CERTCHAT_")),
  );
  return { ...base, ...quietServerEnv, CERTCHAT_LOG_LEVEL: "error", ...env };
}

export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}

/** User + system CPU time of a process (clock ticks are 100 per second on Linux). */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * Starts `certchat serve` on a free loopback port and resolves once its banner is printed. With
 * `inspectPort`, the child's inspector listens on that loopback port (see inspector.ts).
 */
export async function startServerProcess(
  env: Record<string, string>,
  options: { inspectPort?: number } = {},
): Promise<ServerProcess> {
  const port = await freePort();
  const inspect = options.inspectPort === undefined ? [] : [`--inspect=127.0.0.1:${options.inspectPort}`];
  const child = spawn(process.execPath, [...inspect, certchatBin, "serve"], {
    env: childEnv({ ...env, CERTCHAT_HOST: "127.0.0.1", CERTCHAT_PORT: String(port) }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const collect = (chunk: Buffer) => {
    output += chunk.toString("utf8");
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`certchat serve did not start in time: ${output}`));
    }, START_TIMEOUT_MS);
    const check = () => {
      if (!output.includes(READY_TEXT)) return;
      clearTimeout(timer);
      child.stdout?.off("data", check);
      resolve();
    };
    child.stdout?.on("data", check);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`certchat serve exited (${code ?? signal}) before its banner: ${output}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    child,
    rssBytes: () => rssOf(child.pid as number),
    cpuSeconds: () => cpuSecondsOf(child.pid as number),
    output: () => output,
    alive: () => child.exitCode === null && child.signalCode === null,
    kill: () => kill(child),
  };
}
