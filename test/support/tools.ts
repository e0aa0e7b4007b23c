import { spawnSync } from "node:child_process";

/**
 * A reason to skip the tests that need an external program (`command --version`-style probe fails), or false.
 * Under CI=true a missing program is a failure instead: CI installs it (.ci/run), so its absence is a fault.
 */
export function toolSkip(command: string, probeArgs: string[] = ["--version"]): string | false {
  const missing = spawnSync(command, probeArgs, { stdio: "ignore" }).status !== 0;
  if (!missing) return false;
  const reason = `${command} is not installed`;
  if (process.env.CI === "true") throw new Error(`${reason}: required under CI=true`);
  return reason;
}
