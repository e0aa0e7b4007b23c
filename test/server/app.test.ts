import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { startTestServer } from "../support/server.ts";
import { toolSkip } from "../support/tools.ts";

/** The accept queue of the TCP listener on `port`, as `ss` shows it (Send-Q of a listening socket). */
function acceptQueueOf(port: number): number {
  const listing = spawnSync("ss", ["-ltnH", `sport = :${port}`], { encoding: "utf8" }).stdout;
  const [, , queue] = listing.trim().split(/\s+/);
  return Number(queue);
}

test("the listener's accept queue holds 4,096 connections, or as many as the kernel allows", {
  skip: toolSkip("ss", ["-V"]),
}, async () => {
  const server = await startTestServer();
  try {
    const kernelCap = Number(readFileSync("/proc/sys/net/core/somaxconn", "utf8"));
    assert.equal(acceptQueueOf(Number(new URL(server.url).port)), Math.min(4096, kernelCap));
  } finally {
    await server.close();
  }
});
