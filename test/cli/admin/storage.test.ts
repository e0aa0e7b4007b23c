import assert from "node:assert/strict";
import { test } from "node:test";
import { withAdminStorage } from "../../../src/cli/admin/storage.ts";
import { loadConfig } from "../../../src/server/config.ts";
import {
  migrateToLatest,
  openStorage,
  type Storage,
  storageTarget,
} from "../../../src/server/storage/database.ts";
import { migrationProvider } from "../../../src/server/storage/migrations/index.ts";
import { listAuditEvents } from "../../../src/server/storage/repositories/audit.ts";
import { tempDataDir } from "../../support/cli.ts";
import { backends, createDatabase, testDatabaseUrl } from "../../support/storage.ts";

const postgres = backends.find((backend) => backend.name === "postgres");

test("admin storage on PostgreSQL refuses an unmigrated database, then works once it is migrated", {
  skip: postgres?.skip ?? "no PostgreSQL backend",
}, async () => {
  const database = await createDatabase(testDatabaseUrl, "certchat_admin");
  try {
    const config = loadConfig({ CERTCHAT_DATA_DIR: tempDataDir(), CERTCHAT_DATABASE_URL: database.url });
    // Every migration is named, the newest last (whichever that is now).
    const names = Object.keys(await migrationProvider("postgres").getMigrations());
    await assert.rejects(
      withAdminStorage(config, async () => {}),
      (error: Error) => {
        assert.match(error.message, /^PostgreSQL .* lacks migrations .*: run certchat migrate first$/);
        assert.ok(error.message.includes(`lacks migrations ${names.join(", ")}:`), error.message);
        return true;
      },
    );
    const storage = openStorage(storageTarget(config.dataDir, config.databaseUrl));
    await migrateToLatest(storage);
    await storage.close();
    const events = await withAdminStorage(config, (admin) => listAuditEvents(admin.db, { limit: 10 }));
    assert.deepEqual(events, []);
  } finally {
    await database.drop();
  }
});

test("admin storage closes the database even when the command fails", async () => {
  const config = loadConfig({ CERTCHAT_DATA_DIR: tempDataDir() });
  const storage = openStorage(storageTarget(config.dataDir));
  await migrateToLatest(storage);
  await storage.close();
  let opened: Storage | undefined;
  await assert.rejects(
    withAdminStorage(config, async (admin) => {
      opened = admin;
      throw new Error("command failed");
    }),
    /command failed/,
  );
  // A closed Kysely refuses further queries.
  assert.ok(opened);
  await assert.rejects(listAuditEvents(opened.db, { limit: 1 }));
});
