import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { test } from "node:test";
import {
  explainSlowMessages,
  type Pause,
  PauseTrace,
  pausesDirectory,
  perfTraceAvailable,
} from "../../../bench/lib/pause-trace.ts";

const recorder = new URL("../../../bench/lib/pause-recorder.mjs", import.meta.url).pathname;

const pause = (kind: Pause["kind"], start: number, ms: number, thread = "main"): Pause => ({
  kind,
  thread,
  start,
  ms,
  detail: kind === "gc" ? "scavenge" : kind,
});

test("a slow message is set beside the slow fsync and the GC pause that overlap it, not beside earlier ones", () => {
  const line = explainSlowMessages(
    [{ scheduled: 1000, arrived: 1012 }],
    10,
    { start: 900, end: 1100 },
    {
      pauses: [pause("fsync", 1002, 8, "tid 7"), pause("gc", 1005, 2), pause("fsync", 950, 9, "tid 7")],
      fsyncTraced: true,
    },
  );
  assert.match(line, /^slow messages 1 of 10 \(overlapping: fsync > 2 ms 1, main-thread GC 1\)/);
  assert.match(line, /fsync 2: /);
});

test("a fast fsync holds nobody: the slow message is counted as having nothing recorded", () => {
  const line = explainSlowMessages(
    [{ scheduled: 1000, arrived: 1012 }],
    1,
    { start: 900, end: 1100 },
    { pauses: [pause("fsync", 1003, 0.4, "tid 7")], fsyncTraced: true },
  );
  assert.match(line, /overlapping: nothing recorded 1\)/);
});

test("a traced child's blocked event loop and its fsync are recorded", async (t) => {
  const pauses = pausesDirectory();
  t.after(() => pauses.remove());
  // Waits for a line on stdin, then blocks its loop for 30 ms and fsyncs a file, then says so.
  const script = `
    const fs = require("node:fs");
    process.stdin.once("data", () => {
      const until = Date.now() + 30;
      while (Date.now() < until);
      const fd = fs.openSync(process.argv[1], "w");
      fs.writeSync(fd, "x");
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      setTimeout(() => { console.log("done"); process.stdin.pause(); }, 20);
    });
    console.log("ready");`;
  const child = spawn(process.execPath, ["--import", recorder, "-e", script, `${pauses.dir}/file`], {
    env: { ...process.env, BENCH_SERVER_PAUSES: pauses.dir },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const exited = once(child, "exit");
  const lines = child.stdout.setEncoding("utf8");
  await once(lines, "data");
  const trace = await PauseTrace.start(child.pid as number, pauses.dir);
  child.stdin.write("go\n");
  await once(lines, "data");
  const { pauses: recorded, fsyncTraced } = await trace.stop();
  child.stdin.end();
  await exited;
  assert.ok(
    recorded.some((p) => p.kind === "stall" && p.ms >= 25),
    `a stall of the 30 ms block: ${JSON.stringify(recorded)}`,
  );
  assert.equal(fsyncTraced, perfTraceAvailable());
  if (fsyncTraced) assert.ok(recorded.some((p) => p.kind === "fsync" && p.detail === "fsync"));
});
