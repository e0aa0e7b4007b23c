import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { utimes } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { FileSystemBlobStore } from "../../../src/server/blobs/filesystem.ts";
import { migrateToLatest, openStorage, storageTarget } from "../../../src/server/storage/database.ts";
import { insertMessage } from "../../../src/server/storage/repositories/messages.ts";
import { chatOf, member, message } from "../../server/storage/repositories/fixtures.ts";
import { runCli, tempDataDir } from "../../support/cli.ts";

const DAY_MS = 86_400_000;

/** A data directory with two files two days old: an orphan of 5 bytes and one a message names. */
async function dataDirWithOrphan(): Promise<{ dataDir: string; orphan: string; named: string }> {
  const dataDir = tempDataDir();
  const storage = openStorage(storageTarget(dataDir));
  try {
    await migrateToLatest(storage);
    const alice = await member(storage, "files-alice", "79990009101");
    const chat = await chatOf(storage, alice, []);
    const root = join(dataDir, "files");
    const store = new FileSystemBlobStore(root);
    const [orphan, named] = [randomUUID(), randomUUID()];
    for (const id of [orphan, named]) {
      await store.put(id, new Uint8Array(5));
      const then = new Date(Date.now() - 2 * DAY_MS);
      await utimes(join(root, id.slice(0, 2), id.slice(2, 4), id), then, then);
    }
    await insertMessage(storage.db, message(chat, alice, { type: "file", file_id: named, file_size: 5 }));
    return { dataDir, orphan, named };
  } finally {
    await storage.close();
  }
}

async function filesIn(dataDir: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of new FileSystemBlobStore(join(dataDir, "files")).list())
    ids.push(...page.map((blob) => blob.id));
  return ids.sort();
}

test("files sweep removes an old orphan, keeps a named file and says how many and how many bytes", async () => {
  const { dataDir, named } = await dataDirWithOrphan();
  const result = await runCli(["files", "sweep"], { CERTCHAT_DATA_DIR: dataDir });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /2 blob\(s\) listed, removed 1 orphan\(s\) of 5 byte\(s\)/);
  assert.deepEqual(await filesIn(dataDir), [named]);
});

test("files sweep --dry-run counts the orphans and deletes none", async () => {
  const { dataDir, orphan, named } = await dataDirWithOrphan();
  const result = await runCli(["files", "sweep", "--dry-run"], { CERTCHAT_DATA_DIR: dataDir });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /would remove 1 orphan\(s\) of 5 byte\(s\)/);
  assert.deepEqual(await filesIn(dataDir), [orphan, named].sort());
});

test("files sweep keeps orphans younger than --grace", async () => {
  const { dataDir, orphan, named } = await dataDirWithOrphan();
  const result = await runCli(["files", "sweep", "--grace", "3d"], { CERTCHAT_DATA_DIR: dataDir });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /removed 0 orphan\(s\)/);
  assert.deepEqual(await filesIn(dataDir), [orphan, named].sort());
});

test("files sweep refuses a grace period under 1h", async () => {
  const result = await runCli(["files", "sweep", "--grace", "10m"], { CERTCHAT_DATA_DIR: tempDataDir() });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /--grace must be at least 1h/);
});
