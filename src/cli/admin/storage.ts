import { userInfo } from "node:os";
import { Migrator } from "kysely";
import type { Config } from "../../server/config.ts";
import { openStorage, type Storage, storageTarget } from "../../server/storage/database.ts";
import { migrationProvider } from "../../server/storage/migrations/index.ts";

/**
 * Runs `body` on the configured database (as `certchat serve` would open it), refusing one with pending
 * migrations: an admin command must not change the schema behind the operator's back, nor half-work on an old one.
 */
export async function withAdminStorage<T>(
  config: Config,
  body: (storage: Storage) => Promise<T>,
): Promise<T> {
  const storage = openStorage(storageTarget(config.dataDir, config.databaseUrl));
  try {
    const migrator = new Migrator({
      db: storage.db,
      provider: migrationProvider(storage.dialect),
      migrationTableSchema: storage.schema,
    });
    const pending = (await migrator.getMigrations()).filter(
      (migration) => migration.executedAt === undefined,
    );
    if (pending.length > 0) {
      throw new Error(
        `${storage.description} lacks migrations ${pending.map((m) => m.name).join(", ")}: run certchat migrate first`,
      );
    }
    return await body(storage);
  } finally {
    await storage.close();
  }
}

/** The audit log's actor for commands run by the operator: the operating-system user. */
export function adminActor(): string {
  try {
    return `admin:${userInfo().username}`;
  } catch {
    return "admin";
  }
}

/** A positive whole number from an option, or an error naming it. */
export function positiveId(value: string, option: string): number {
  const id = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(id) || id <= 0) {
    throw new Error(`${option} must be a positive whole number, got "${value}"`);
  }
  return id;
}
