/** Files written whole, once, by CLI commands that may run side by side (the identity pins). */
import { randomBytes } from "node:crypto";
import { link, mkdir, unlink, writeFile } from "node:fs/promises";
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
