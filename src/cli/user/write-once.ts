/** Files written whole, once, by CLI commands that may run side by side, and read back (the identity pins). */
import { randomBytes } from "node:crypto";
import { link, mkdir, readdir, readFile, unlink, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Writes `text` to `path` unless a file is there: written to a temporary file, then linked into place — linking
 * fails when the name exists, so the first stays whole and no reader sees half of one. Whether it wrote.
 */
export async function writeOnce(path: string, text: string): Promise<boolean> {
  const folder = dirname(path);
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const temporary = join(folder, `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  await writeFile(temporary, text, { mode: 0o600 });
  try {
    await link(temporary, path);
    return true;
  } catch (error) {
    if (errorCode(error) !== "EEXIST") throw error;
    return false;
  } finally {
    await unlink(temporary);
  }
}

/**
 * `read(key, path, text)` of each file in `folder` whose name `name` matches (its first group is the key), one file
 * at a time: a server may have a client keep any number of them, and opening all at once runs out of file
 * descriptors (EMFILE: no command would start). A missing folder holds none.
 */
export async function readEachFile<T>(
  folder: string,
  name: RegExp,
  read: (key: string, path: string, text: string) => T,
): Promise<T[]> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (error) {
    if (errorCode(error) === "ENOENT") return [];
    throw error;
  }
  const items: T[] = [];
  for (const file of names) {
    const key = name.exec(file)?.[1];
    if (key === undefined) continue;
    const path = join(folder, file);
    items.push(read(key, path, await readFile(path, "utf8")));
  }
  return items;
}
