import { join } from "node:path";
import type { Config } from "../config.ts";
import type { BlobStore } from "./blob-store.ts";
import { FileSystemBlobStore } from "./filesystem.ts";

/**
 * The store the configuration names (the server's, and `certchat files sweep`'s). The AWS SDK is imported
 * only when configured: loading it took a tenth of a default node's start-up CPU (docs/PERFORMANCE.md,
 * "Node start time").
 */
export async function configuredBlobStore(config: Config): Promise<BlobStore> {
  if (config.files.store !== "s3") return new FileSystemBlobStore(join(config.dataDir, "files"));
  const { S3BlobStore } = await import("./s3.ts");
  return new S3BlobStore(config.files);
}
