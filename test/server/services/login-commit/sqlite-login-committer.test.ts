import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { SqliteLoginCommitter } from "../../../../src/server/services/login-commit/sqlite-login-committer.ts";
import { migrateToLatest, openStorage } from "../../../../src/server/storage/database.ts";
import { certificateFields, now, profileFields } from "../../storage/repositories/fixtures.ts";

test("a login thread that dies fails the logins it held instead of leaving them unanswered", async () => {
  const dir = mkdtempSync(join(tmpdir(), "certchat-login-thread-"));
  const file = join(dir, "db.sqlite");
  const storage = openStorage({ kind: "sqlite", file });
  const dying = {
    module: new URL("../../storage/message-commit/dying-thread.mjs", import.meta.url),
    run: "default",
  };
  const committer = new SqliteLoginCommitter(file, dying);
  try {
    await migrateToLatest(storage);
    const { profile_id: _, ...certificate } = certificateFields(0, "fp-dying");
    await assert.rejects(
      committer.openSession({
        certificate,
        fields: profileFields("key-dying"),
        token: "token-dying",
        nonce: new Uint8Array(32),
        nonceExpiresAt: now + 1000,
        clientAddress: "10.0.0.8",
        now,
      }),
    );
  } finally {
    await committer.close();
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
