import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { assertBlobId, type BlobReader, type BlobStore } from "./blob-store.ts";

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

  private pathOf(id: string): string {
    assertBlobId(id);
    return join(this.root, id.slice(0, 2), id.slice(2, 4), id);
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
