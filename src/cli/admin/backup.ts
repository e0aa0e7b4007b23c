import { existsSync } from "node:fs";
import { chmod, mkdir, rename, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import SqliteDatabase from "better-sqlite3";
import type { Config } from "../../server/config.ts";
import {
  copyHashed,
  hashFile,
  isEmptyOrMissing,
  listFiles,
  type ManifestEntry,
  syncFolder,
} from "./backup-files.ts";

export const MANIFEST = "manifest.json";
export const DATABASE_FILE = "certchat.sqlite";
/** The parts of a data directory a backup holds: the database, the file store, the test CA. */
export const FILES_DIR = "files";
export const TEST_CA_DIR = "ca";

export interface Manifest {
  format: "certchat-backup";
  version: 1;
  createdAt: string;
  source: string;
  /** Migrations applied to the backed-up database. */
  migrations: string[];
  messages: number;
  lastMessageId: number | null;
  entries: ManifestEntry[];
}

/** A backup or restore this command cannot do with the configured storage: exit 2, with what to do instead. */
export class UnsupportedStorageError extends Error {}

/** PostgreSQL and S3 are backed up with their own tools; a half backup (database without files) is refused. */
export function refuseUnsupportedStorage(config: Config, command: "backup" | "restore"): void {
  if (config.databaseUrl) {
    throw new UnsupportedStorageError(
      `CERTCHAT_DATABASE_URL is set: certchat ${command} handles the embedded SQLite database only. ` +
        "Use pg_dump/pg_restore or pg_basebackup with WAL archiving for PostgreSQL (docs/OPERATIONS.md, Backups)",
    );
  }
  if (config.files.store === "s3") {
    throw new UnsupportedStorageError(
      `CERTCHAT_FILES=s3: certchat ${command} copies files of the data directory only. ` +
        "Protect the bucket with versioning and replication (docs/OPERATIONS.md, Backups)",
    );
  }
}

type DatabaseFacts = Pick<Manifest, "migrations" | "messages" | "lastMessageId"> & { fileIds: Set<string> };

/**
 * A consistent copy of the live database through SQLite's online backup API. Once the first step has read
 * the page count, the rest is copied in one step: one read transaction, so a writer committing meanwhile
 * (WAL lets it) cannot make the copy mix two states, nor restart an incremental copy forever. The copy is
 * switched out of WAL so that it is one self-contained file. While it is read, the live WAL cannot be
 * checkpointed past it and grows; checkpoints catch up afterwards.
 */
async function snapshotDatabase(source: string, target: string): Promise<DatabaseFacts> {
  const live = new SqliteDatabase(source, { fileMustExist: true });
  try {
    live.pragma("busy_timeout = 5000");
    await live.backup(target, { progress: () => 0x7fffffff });
  } finally {
    live.close();
  }
  await chmod(target, 0o600);
  const copy = new SqliteDatabase(target);
  try {
    copy.pragma("journal_mode = DELETE");
    const check = copy.pragma("quick_check", { simple: true });
    if (check !== "ok") throw new Error(`the database copy fails its integrity check: ${String(check)}`);
    const migrations = copy
      .prepare<[], { name: string }>("select name from kysely_migration order by name")
      .all()
      .map((row) => row.name);
    const counts = copy
      .prepare<[], { messages: number; last: number | null }>(
        "select count(*) as messages, max(id) as last from messages",
      )
      .get();
    const fileIds = new Set<string>();
    for (const row of copy
      .prepare<[], { file_id: string }>("select file_id from messages where file_id is not null")
      .iterate()) {
      fileIds.add(row.file_id);
    }
    return { migrations, messages: counts?.messages ?? 0, lastMessageId: counts?.last ?? null, fileIds };
  } finally {
    copy.close();
  }
}

/** Copies every file under `dataDir/part` into `out/part`, skipping those that vanish meanwhile. */
async function copyPart(dataDir: string, out: string, part: string): Promise<ManifestEntry[]> {
  const copied: ManifestEntry[] = [];
  const folders = new Set<string>();
  for (const relative of await listFiles(join(dataDir, part))) {
    const path = `${part}/${relative}`;
    const entry = await copyHashed(join(dataDir, path), join(out, path), path);
    if (entry) {
      copied.push(entry);
      folders.add(dirname(join(out, path)));
    }
  }
  for (const folder of folders) await syncFolder(folder);
  return copied;
}

/**
 * `certchat backup --out DIR`: the database first, then the files. A file is stored before the message that
 * names it is committed, and never removed afterwards, so every file the snapshot refers to is on disk when
 * the copy reaches it; files stored after the snapshot are harmless extras. The manifest is written last:
 * a backup without one is incomplete.
 */
export async function createBackup(config: Config, out: string): Promise<Manifest> {
  refuseUnsupportedStorage(config, "backup");
  const source = join(config.dataDir, DATABASE_FILE);
  if (!existsSync(source)) throw new Error(`no database at ${source} (CERTCHAT_DATA_DIR)`);
  if (!(await isEmptyOrMissing(out))) throw new Error(`${out} is not empty: give a new or empty directory`);
  await mkdir(out, { recursive: true, mode: 0o700 });

  const database = await snapshotDatabase(source, join(out, DATABASE_FILE));
  const entries = [{ path: DATABASE_FILE, ...(await hashFile(join(out, DATABASE_FILE))) }];
  const files = await copyPart(config.dataDir, out, FILES_DIR);
  const copiedIds = new Set(files.map((entry) => basename(entry.path)));
  const missing = [...database.fileIds].filter((id) => !copiedIds.has(id));
  if (missing.length > 0) {
    throw new Error(
      `${missing.length} file(s) referred to by messages are missing from ${join(config.dataDir, FILES_DIR)} ` +
        `(first: ${missing[0]}); the backup in ${out} is incomplete (no manifest)`,
    );
  }
  entries.push(...files, ...(await copyPart(config.dataDir, out, TEST_CA_DIR)));
  const { fileIds: _ids, ...facts } = database;
  const manifest: Manifest = {
    format: "certchat-backup",
    version: 1,
    createdAt: new Date().toISOString(),
    source: config.dataDir,
    ...facts,
    entries,
  };
  const temporary = join(out, `.${MANIFEST}.tmp`);
  await writeFile(temporary, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600, flush: true });
  await rename(temporary, join(out, MANIFEST));
  await syncFolder(out);
  return manifest;
}
