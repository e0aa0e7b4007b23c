import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { moveToCore, serverCommand, threadCores } from "../../../bench/lib/pinning.ts";

test("threadCores counts every thread of a process and the core lists they may run on", () => {
  const found = threadCores(process.pid);
  const own = /^Cpus_allowed_list:\s+(\S+)/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1];
  // Node has its main thread, V8's platform workers and the libuv pool: never just one.
  assert.ok(found.threads > 1, `threads: ${found.threads}`);
  assert.deepEqual(found.cores, [own]);
});

test("unpinned, a server child is started as it is, without taskset", () => {
  assert.deepEqual(serverCommand("node", ["server.js"]), { file: "node", args: ["server.js"] });
});

test("unpinned, moving a process to a core leaves its threads where they may run", () => {
  const before = threadCores(process.pid);
  moveToCore(process.pid, 0);
  assert.deepEqual(threadCores(process.pid).cores, before.cores);
});
