import { randomBytes } from "node:crypto";
import type { Stats } from "node:fs";
import { createReadStream } from "node:fs";
import { mkdir, open, opendir, readdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import {
  assertBlobId,
  type BlobReader,
  type BlobStore,
  isBlobId,
  LIST_PAGE_SIZE,
  type ListedBlob,
} from "./blob-store.ts";

/** A shard folder's name: two lower-case hex digits. */
const SHARD = /^[0-9a-f]{2}$/;

/** A temporary file of `put`: `.<id>.<12 hex digits>.tmp`. */
const TEMPORARY = /^\.[0-9a-f-]{36}\.[0-9a-f]{12}\.tmp$/;

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === "ENOENT";
}

/**
 * Blobs as files under one folder, sharded by the first two byte pairs of the id (ab/cd/abcd…) so that no
 * folder grows past a few thousand entries. A write goes to a temporary file that is fsynced and renamed,
 * and the folder is fsynced too: a reader sees the whole blob or none, also after a power loss.
 */
export class FileSystemBlobStore implements BlobStore {
  readonly description: string;

  constructor(private readonly root: string) {
    this.description = `files in ${root}`;
  }

  async put(id: string, bytes: Uint8Array): Promise<void> {
    const target = this.pathOf(id);
    const folder = dirname(target);
    await mkdir(folder, { recursive: true });
    const temporary = join(folder, `.${id}.${randomBytes(6).toString("hex")}.tmp`);
    try {
      const file = await open(temporary, "wx");
      try {
        await file.writeFile(bytes);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temporary, target);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    await syncFolder(folder);
  }

  async open(id: string): Promise<BlobReader | undefined> {
    const path = this.pathOf(id);
    try {
      const { size } = await stat(path);
      return { size, stream: createReadStream(path) };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async delete(id: string): Promise<void> {
    await rm(this.pathOf(id), { force: true });
  }

  /**
   * Walks the shard folders (at most 256 × 256) and streams each one's entries: only one folder's directory
   * handle and one page are held at a time. Temporary files (dot-files) of writes in progress are not blobs.
   */
  async *list(): AsyncGenerator<ListedBlob[]> {
    let page: ListedBlob[] = [];
    for (const first of await shardsOf(this.root)) {
      for (const second of await shardsOf(join(this.root, first))) {
        const folder = join(this.root, first, second);
        for await (const name of namesIn(folder)) {
          // A file in another id's shard is not one `delete` would reach: not listed.
          if (!isBlobId(name) || name.slice(0, 2) !== first || name.slice(2, 4) !== second) continue;
          const found = await statIfPresent(join(folder, name));
          if (!found?.isFile()) continue;
          page.push({ id: name, size: found.size, modifiedAt: found.mtimeMs });
          if (page.length === LIST_PAGE_SIZE) {
            yield page;
            page = [];
          }
        }
      }
    }
    if (page.length > 0) yield page;
  }

  /** Temporary files of puts that never finished (renamed or removed): a second walk of the shard folders. */
  async removeLeftovers(before: number, dryRun: boolean): Promise<{ removed: number; removedBytes: number }> {
    const outcome = { removed: 0, removedBytes: 0 };
    for (const first of await shardsOf(this.root)) {
      for (const second of await shardsOf(join(this.root, first))) {
        const folder = join(this.root, first, second);
        for await (const name of namesIn(folder)) {
          if (!TEMPORARY.test(name)) continue;
          const found = await statIfPresent(join(folder, name));
          if (!found?.isFile() || found.mtimeMs > before) continue;
          if (!dryRun) await rm(join(folder, name), { force: true });
          outcome.removed++;
          outcome.removedBytes += found.size;
        }
      }
    }
    return outcome;
  }

  private pathOf(id: string): string {
    assertBlobId(id);
    return join(this.root, id.slice(0, 2), id.slice(2, 4), id);
  }
}

/** The shard folders directly under `folder`, or none if it is missing. */
async function shardsOf(folder: string): Promise<string[]> {
  try {
    const entries = await readdir(folder, { withFileTypes: true });
    return entries
      .filter((entry) => entry.isDirectory() && SHARD.test(entry.name))
      .map((entry) => entry.name);
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
}

/** The entry names of `folder` as the directory is read (a shard removed meanwhile has none). */
async function* namesIn(folder: string): AsyncGenerator<string> {
  let handle: Awaited<ReturnType<typeof opendir>>;
  try {
    handle = await opendir(folder);
  } catch (error) {
    if (isMissing(error)) return;
    throw error;
  }
  for await (const entry of handle) yield entry.name;
}

/** A blob's stat, or undefined when it was removed after its folder was read. */
async function statIfPresent(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

/** Makes a rename durable: the new directory entry is on disk once the folder itself is fsynced. */
async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
