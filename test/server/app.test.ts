import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

/**
 * Starts a node in a process of its own (a fresh module registry) with the default settings plus `env`, and
 * returns the node_modules packages among `watched` that it loaded.
 */
function packagesLoadedByNode(watched: string[]): string[] {
  const script = `
    import { createRequire } from "node:module";
    import { mkdtempSync, rmSync } from "node:fs";
    import { tmpdir } from "node:os";
    import { join } from "node:path";
    const app = ${JSON.stringify(new URL("../../src/server/app.ts", import.meta.url).href)};
    const { createServer } = await import(app);
    const { loadConfig } = await import(${JSON.stringify(new URL("../../src/server/config.ts", import.meta.url).href)});
    const dataDir = mkdtempSync(join(tmpdir(), "certchat-imports-"));
    const server = await createServer(loadConfig({
      CERTCHAT_DATA_DIR: dataDir, CERTCHAT_HOST: "127.0.0.1", CERTCHAT_PORT: "0", CERTCHAT_LOG_LEVEL: "silent",
      CERTCHAT_METRICS_PORT: "0",
    }));
    await server.listen();
    const watched = ${JSON.stringify(watched)};
    const loaded = watched.filter((name) =>
      Object.keys(createRequire(app).cache).some((file) => file.includes(\`/node_modules/\${name}/\`)));
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
    process.stdout.write(JSON.stringify(loaded));
  `;
  // A file, not --eval: the node's worker threads inherit the command line's flags, --input-type among them.
  const dir = mkdtempSync(join(tmpdir(), "certchat-imports-"));
  try {
    const file = join(dir, "start-node.mjs");
    writeFileSync(file, script);
    const child = spawnSync(process.execPath, ["--import", "tsx", file], {
      encoding: "utf8",
      env: Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("CERTCHAT_"))),
    });
    assert.equal(child.status, 0, child.stderr);
    return JSON.parse(child.stdout) as string[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("a default node (SQLite, files on disk, no Redis) does not load the AWS SDK, ioredis or pg", () => {
  assert.deepEqual(packagesLoadedByNode(["@aws-sdk/client-s3", "ioredis", "pg"]), []);
});
