import { readdir, readFile, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Config } from "../../server/config.ts";
import {
  DATABASE_FILE,
  FILES_DIR,
  MANIFEST,
  type Manifest,
  refuseUnsupportedStorage,
  TEST_CA_DIR,
} from "./backup.ts";
import {
  hashFile,
  isEmptyOrMissing,
  type ManifestEntry,
  sha256,
  syncFolder,
  writeDurably,
} from "./backup-files.ts";

/** A manifest path may only name the database or a file under files/ or ca/, never anything outside. */
function isSafePath(path: string): boolean {
  if (path === DATABASE_FILE) return true;
  const parts = path.split("/");
  return (
    (parts[0] === FILES_DIR || parts[0] === TEST_CA_DIR) &&
    parts.length >= 2 &&
    parts.every(
      (part) => part !== "" && part !== "." && part !== ".." && !part.includes("\\") && !part.includes("\0"),
    )
  );
}

async function readManifest(dir: string): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST), "utf8");
  } catch {
    throw new Error(`${join(dir, MANIFEST)} is missing: not a certchat backup, or an incomplete one`);
  }
  const manifest = JSON.parse(text) as Partial<Manifest>;
  if (manifest.format !== "certchat-backup" || manifest.version !== 1 || !Array.isArray(manifest.entries)) {
    throw new Error(`${join(dir, MANIFEST)} is not a certchat backup manifest of version 1`);
  }
  for (const entry of manifest.entries) {
    if (typeof entry?.path !== "string" || !isSafePath(entry.path)) {
      throw new Error(`the manifest names a file outside the backup layout: ${JSON.stringify(entry?.path)}`);
    }
  }
  if (!manifest.entries.some((entry) => entry.path === DATABASE_FILE)) {
    throw new Error(`the manifest lists no ${DATABASE_FILE}`);
  }
  return manifest as Manifest;
}

/** Every listed file has its size and SHA-256; the first mismatches are named. */
async function verifyEntries(dir: string, entries: readonly ManifestEntry[]): Promise<void> {
  const problems: string[] = [];
  for (const entry of entries) {
    try {
      const actual = await hashFile(join(dir, entry.path));
      if (actual.size !== entry.size || actual.sha256 !== entry.sha256)
        problems.push(`${entry.path}: checksum mismatch`);
    } catch (error) {
      problems.push(`${entry.path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  if (problems.length > 0) {
    throw new Error(
      `backup ${dir} fails verification (${problems.length} file(s)): ${problems.slice(0, 5).join("; ")}; nothing restored`,
    );
  }
}

/**
 * `certchat restore DIR`: verifies every checksum of the backup, then copies it into the configured data
 * directory, which must be empty or missing. Each file is hashed again as it is written; a failure part-way
 * removes what was restored, leaving the directory empty again.
 */
export async function restoreBackup(config: Config, from: string): Promise<Manifest> {
  refuseUnsupportedStorage(config, "restore");
  const target = config.dataDir;
  if (!(await isEmptyOrMissing(target))) {
    throw new Error(
      `${target} (CERTCHAT_DATA_DIR) is not empty: restore only into an empty or new data directory`,
    );
  }
  const manifest = await readManifest(from);
  await verifyEntries(from, manifest.entries);
  try {
    const folders = new Set<string>([target]);
    for (const entry of manifest.entries) {
      const bytes = await readFile(join(from, entry.path));
      if (sha256(bytes) !== entry.sha256) throw new Error(`${entry.path} changed while restoring`);
      await writeDurably(join(target, entry.path), bytes);
      folders.add(dirname(join(target, entry.path)));
    }
    for (const folder of folders) await syncFolder(folder);
  } catch (error) {
    for (const name of await readdir(target).catch(() => []))
      await rm(join(target, name), { recursive: true, force: true });
    throw error;
  }
  return manifest;
}
