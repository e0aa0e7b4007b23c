import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { createBackup, type Manifest, UnsupportedStorageError } from "../../../src/cli/admin/backup.ts";
import { restoreBackup } from "../../../src/cli/admin/restore.ts";
import { FileSystemBlobStore } from "../../../src/server/blobs/filesystem.ts";
import { loadConfig } from "../../../src/server/config.ts";
import { migrateToLatest, openStorage, storageTarget } from "../../../src/server/storage/database.ts";
import { insertMessage } from "../../../src/server/storage/repositories/messages.ts";
import { chatOf, member, message } from "../../server/storage/repositories/fixtures.ts";
import { runCli, tempDataDir } from "../../support/cli.ts";

/** A data directory with one message carrying a file, and a test CA file; returns its config and file id. */
async function dataDirWithAFile(options: { storeTheFile: boolean } = { storeTheFile: true }) {
  const dataDir = tempDataDir();
  const storage = openStorage(storageTarget(dataDir));
  await migrateToLatest(storage);
  const alice = await member(storage, "backup-a", "79990000201");
  const chat = await chatOf(storage, alice, []);
  const file = randomUUID();
  if (options.storeTheFile)
    await new FileSystemBlobStore(join(dataDir, "files")).put(file, new Uint8Array([1, 2, 3]));
  await insertMessage(storage.db, message(chat, alice, { file_id: file, file_size: 3 }));
  await storage.close();
  mkdirSync(join(dataDir, "ca"));
  writeFileSync(join(dataDir, "ca", "ca.pem"), "test CA");
  return { config: loadConfig({ CERTCHAT_DATA_DIR: dataDir }), file };
}

const newDir = () => join(tempDataDir(), "new");

test("a backup lists the database, each file and the test CA with size and SHA-256", async () => {
  const { config, file } = await dataDirWithAFile();
  const out = newDir();
  const manifest = await createBackup(config, out);
  assert.deepEqual(
    manifest.entries.map((entry) => entry.path),
    ["certchat.sqlite", `files/${file.slice(0, 2)}/${file.slice(2, 4)}/${file}`, "ca/ca.pem"],
  );
  const written = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) as Manifest;
  assert.deepEqual(written.entries, manifest.entries);
  assert.equal(manifest.messages, 1);
  assert.ok(manifest.migrations.includes("0007-key-epochs"));
  assert.equal(
    manifest.entries[1]?.sha256,
    "039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81", // SHA-256 of bytes 1, 2, 3
  );
});

test("a backup whose message names a file missing from the store fails and writes no manifest", async () => {
  const { config, file } = await dataDirWithAFile({ storeTheFile: false });
  const out = newDir();
  await assert.rejects(
    createBackup(config, out),
    new RegExp(`1 file\\(s\\) referred to by messages are missing .*${file}`),
  );
  assert.equal(existsSync(join(out, "manifest.json")), false);
});

test("a backup refuses a directory that is not empty", async () => {
  const { config } = await dataDirWithAFile();
  const out = tempDataDir();
  writeFileSync(join(out, "something"), "x");
  await assert.rejects(createBackup(config, out), /is not empty/);
});

test("a backup with PostgreSQL configured is refused, naming pg_dump", async () => {
  const config = loadConfig({
    CERTCHAT_DATA_DIR: tempDataDir(),
    CERTCHAT_DATABASE_URL: "postgres://x@127.0.0.1/db",
  });
  await assert.rejects(
    createBackup(config, newDir()),
    (error) => error instanceof UnsupportedStorageError && /pg_dump/.test(error.message),
  );
});

test("a backup with files in S3 is refused, naming bucket versioning", async () => {
  const config = loadConfig({
    CERTCHAT_DATA_DIR: tempDataDir(),
    CERTCHAT_FILES: "s3",
    CERTCHAT_S3_BUCKET: "certchat-files",
  });
  await assert.rejects(
    createBackup(config, newDir()),
    (error) => error instanceof UnsupportedStorageError && /versioning/.test(error.message),
  );
});

test("certchat backup with PostgreSQL configured exits 2 and says what to use", async () => {
  const result = await runCli(["backup", "--out", newDir()], {
    CERTCHAT_DATA_DIR: tempDataDir(),
    CERTCHAT_DATABASE_URL: "postgres://x@127.0.0.1/db",
  });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /pg_dump/);
});

test("a restore into a directory that is not empty is refused and leaves it alone", async () => {
  const { config } = await dataDirWithAFile();
  const out = newDir();
  await createBackup(config, out);
  const target = tempDataDir();
  writeFileSync(join(target, "keep"), "x");
  await assert.rejects(restoreBackup(loadConfig({ CERTCHAT_DATA_DIR: target }), out), /is not empty/);
  assert.equal(readFileSync(join(target, "keep"), "utf8"), "x");
});

test("a restore of a backup with a changed file restores nothing", async () => {
  const { config, file } = await dataDirWithAFile();
  const out = newDir();
  await createBackup(config, out);
  writeFileSync(join(out, "files", file.slice(0, 2), file.slice(2, 4), file), new Uint8Array([1, 2, 4]));
  const target = newDir();
  await assert.rejects(restoreBackup(loadConfig({ CERTCHAT_DATA_DIR: target }), out), /checksum mismatch/);
  assert.equal(existsSync(target), false);
});

test("a restore refuses a manifest naming a path outside the backup layout", async () => {
  const { config } = await dataDirWithAFile();
  const out = newDir();
  const manifest = await createBackup(config, out);
  const hostile = {
    ...manifest,
    entries: [...manifest.entries, { path: "files/../../escape", size: 0, sha256: "" }],
  };
  writeFileSync(join(out, "manifest.json"), JSON.stringify(hostile));
  await assert.rejects(
    restoreBackup(loadConfig({ CERTCHAT_DATA_DIR: newDir() }), out),
    /outside the backup layout/,
  );
});

test("a restore of a directory without a manifest is refused", async () => {
  await assert.rejects(
    restoreBackup(loadConfig({ CERTCHAT_DATA_DIR: newDir() }), tempDataDir()),
    /manifest\.json is missing/,
  );
});

test("a restored data directory holds the same database and files, byte for byte", async () => {
  const { config, file } = await dataDirWithAFile();
  const out = newDir();
  await createBackup(config, out);
  const target = newDir();
  await restoreBackup(loadConfig({ CERTCHAT_DATA_DIR: target }), out);
  const shard = join("files", file.slice(0, 2), file.slice(2, 4), file);
  assert.deepEqual(readFileSync(join(target, shard)), Buffer.from([1, 2, 3]));
  assert.deepEqual(readFileSync(join(target, "certchat.sqlite")), readFileSync(join(out, "certchat.sqlite")));
  assert.equal(readFileSync(join(target, "ca", "ca.pem"), "utf8"), "test CA");
  rmSync(target, { recursive: true, force: true });
});
