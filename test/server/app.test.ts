import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { FileSystemBlobStore } from "../../src/server/blobs/filesystem.ts";
import { scrape } from "../support/metrics.ts";
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

const appModule = new URL("../../src/server/app.ts", import.meta.url).href;
const configModule = new URL("../../src/server/config.ts", import.meta.url).href;

/**
 * Runs `body` in a process of its own (a fresh module registry) and returns what it printed. In scope:
 * `createServer`, `loadConfig`, `app` (the module's URL), `dataDir` (fresh, removed once the process ended)
 * and `env`, the settings of a default node there. The process must end by itself: a thread left running
 * would keep it alive (bounded).
 */
function inOwnProcess(body: string): string {
  const dir = mkdtempSync(join(tmpdir(), "certchat-own-process-"));
  const script = `
    import { createRequire } from "node:module";
    import { mkdirSync, writeFileSync } from "node:fs";
    import { join } from "node:path";
    const app = ${JSON.stringify(appModule)};
    const { createServer } = await import(app);
    const { loadConfig } = await import(${JSON.stringify(configModule)});
    const dataDir = ${JSON.stringify(join(dir, "data"))};
    const env = {
      CERTCHAT_DATA_DIR: dataDir, CERTCHAT_HOST: "127.0.0.1", CERTCHAT_PORT: "0", CERTCHAT_LOG_LEVEL: "silent",
      CERTCHAT_METRICS_PORT: "0",
    };
    ${body}
  `;
  try {
    // A file, not --eval: the node's worker threads inherit the command line's flags, --input-type among them.
    const file = join(dir, "script.mjs");
    writeFileSync(file, script);
    const child = spawnSync(process.execPath, ["--import", "tsx", file], {
      encoding: "utf8",
      timeout: 120_000,
      env: Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("CERTCHAT_"))),
    });
    assert.equal(child.status, 0, `${child.signal ?? ""} ${child.stderr}`);
    return child.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("a default node (SQLite, files on disk, no Redis) does not load the AWS SDK, ioredis or pg", () => {
  const loaded = inOwnProcess(`
    const server = await createServer(loadConfig(env));
    await server.listen();
    const loaded = ["@aws-sdk/client-s3", "ioredis", "pg"].filter((name) =>
      Object.keys(createRequire(app).cache).some((file) => file.includes(\`/node_modules/\${name}/\`)));
    await server.close();
    process.stdout.write(JSON.stringify(loaded));
  `);
  assert.deepEqual(JSON.parse(loaded), []);
});

test("a start that fails while loading trust closes the writer threads already started: the process ends", () => {
  const outcome = inOwnProcess(`
    mkdirSync(dataDir);
    const notCertificate = join(dataDir, "not-a-certificate.pem");
    writeFileSync(notCertificate, "not a certificate");
    const settings = {
      ...env,
      CERTCHAT_TRUST: notCertificate,
      CERTCHAT_SMS_PROVIDER: "http",
      CERTCHAT_SMS_HTTP_URL: "http://127.0.0.1:9/",
    };
    process.stdout.write(await createServer(loadConfig(settings)).then(() => "started", () => "refused"));
  `);
  assert.equal(outcome, "refused");
});

test("a node sweeps orphan files on its timer and counts them in certchat_blob_sweep_removed_total", async () => {
  const server = await startTestServer({ blobSweepMs: 50 });
  try {
    const store = new FileSystemBlobStore(join(server.dataDir, "files"));
    const orphan = randomUUID();
    await store.put(orphan, new Uint8Array(8));
    // The node's clock runs a day and an hour ahead: the file is past the default 24h grace period.
    server.clock.advance(25 * 3_600_000);
    const deadline = Date.now() + 20_000;
    let removed: number | undefined;
    while ((removed ?? 0) < 1 && Date.now() < deadline) {
      await delay(50);
      removed = (await scrape(server.server.metricsUrl())).value("certchat_blob_sweep_removed_total");
    }
    assert.equal(removed, 1);
    const bytes = (await scrape(server.server.metricsUrl())).value("certchat_blob_sweep_removed_bytes_total");
    assert.equal(bytes, 8);
    assert.equal(await store.open(orphan), undefined);
  } finally {
    await server.close();
  }
});
