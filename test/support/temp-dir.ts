import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";

/**
 * One fresh directory under the OS temp dir for the test file that calls this at top level, created
 * on first use and removed when the file's tests end.
 */
export function useTempDir(prefix = "certchat-test-"): () => Promise<string> {
  let pending: Promise<string> | undefined;
  after(async () => {
    if (pending) await rm(await pending, { recursive: true, force: true });
  });
  return () => {
    pending ??= mkdtemp(join(tmpdir(), prefix));
    return pending;
  };
}
