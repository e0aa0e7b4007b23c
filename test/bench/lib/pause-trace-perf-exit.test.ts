import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { PauseTrace, pausesDirectory, perfTraceAvailable } from "../../../bench/lib/pause-trace.ts";

/** This process's own children named `perf` (the one PauseTrace started). */
function ownPerfChildren(): number[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .flatMap((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8").trim();
        const [, comm, rest] = /^\d+ \((.*)\) (.*)$/.exec(stat) ?? [];
        const ppid = Number(rest?.split(" ")[1]);
        return comm === "perf" && ppid === process.pid ? [Number(pid)] : [];
      } catch {
        return [];
      }
    });
}

/**
 * Review probe of bench/lib/pause-trace.ts: stop() waits for perf's "exit" when `exitCode === null`, which is
 * also the state of a perf that was already killed by a signal (exitCode stays null, signalCode is set): the
 * "exit" it waits for has fired, and the bench hangs. The test's timeout turns the hang into a failure.
 */
test("stopping a trace whose perf was killed by a signal returns", {
  skip: perfTraceAvailable() ? false : "no perf trace here",
  timeout: 30_000,
}, async (t) => {
  const pauses = pausesDirectory();
  t.after(() => pauses.remove());
  const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60_000)"], { stdio: "ignore" });
  t.after(() => child.kill("SIGKILL"));
  const trace = await PauseTrace.start(child.pid as number, pauses.dir);
  const [perf] = ownPerfChildren();
  assert.ok(perf, "PauseTrace started perf");
  process.kill(perf, "SIGKILL");
  while (ownPerfChildren().includes(perf)) await new Promise((resolve) => setTimeout(resolve, 20));
  await new Promise((resolve) => setImmediate(resolve));
  const { fsyncTraced } = await trace.stop();
  assert.equal(fsyncTraced, true);
  child.kill("SIGKILL");
  await once(child, "exit");
});
