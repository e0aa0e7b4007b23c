import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";
import type { S3Settings } from "../../src/server/config.ts";

/** s3rver checks signatures against this fixed key pair. */
const S3RVER_KEY = "S3RVER";

/** An S3-compatible server (s3rver) on a loopback port with one bucket, kept in a temporary folder. */
export interface TestS3 {
  settings: S3Settings;
  /** The same settings as CERTCHAT_* variables, for startTestServer. */
  env: Record<string, string>;
  /** Stops the server (a test may do so early to see an outage); later calls do nothing. */
  stop(): Promise<void>;
}

export async function startTestS3(bucket = "certchat-test"): Promise<TestS3> {
  const directory = await mkdtemp(join(tmpdir(), "certchat-s3-"));
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  let stopped = false;
  return {
    settings: {
      endpoint,
      bucket,
      region: "us-east-1",
      credentials: { accessKeyId: S3RVER_KEY, secretAccessKey: S3RVER_KEY },
      pathStyle: true,
    },
    env: {
      CERTCHAT_FILES: "s3",
      CERTCHAT_S3_ENDPOINT: endpoint,
      CERTCHAT_S3_BUCKET: bucket,
      CERTCHAT_S3_ACCESS_KEY: S3RVER_KEY,
      CERTCHAT_S3_SECRET_KEY: S3RVER_KEY,
      CERTCHAT_S3_PATH_STYLE: "true",
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
