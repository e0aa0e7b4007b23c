import type { Migration, MigrationProvider } from "kysely";
import { identityMigration } from "./0001-identity.ts";
import { chatsMigration } from "./0002-chats.ts";
import { profileBindingMigration } from "./0003-profile-binding.ts";
import { sessionLifetimeMigration } from "./0004-session-lifetime.ts";
import { auditLogMigration } from "./0006-audit-log.ts";
import { keyEpochsMigration } from "./0007-key-epochs.ts";
import { keyRefusalsMigration } from "./0008-key-refusals.ts";
import { sessionEndsMigration } from "./0009-session-ends.ts";
import { epochCommitmentsMigration } from "./0010-epoch-commitments.ts";
import type { Dialect } from "./column-types.ts";

/** The one migration set for both backends, in order. Later issues append here. */
export function migrationProvider(dialect: Dialect): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return {
        "0001-identity": identityMigration(dialect),
        "0002-chats": chatsMigration(dialect),
        "0003-profile-binding": profileBindingMigration(dialect),
        "0004-session-lifetime": sessionLifetimeMigration(dialect),
        "0006-audit-log": auditLogMigration(dialect),
        "0007-key-epochs": keyEpochsMigration(dialect),
        "0008-key-refusals": keyRefusalsMigration(dialect),
        "0009-session-ends": sessionEndsMigration(dialect),
        "0010-epoch-commitments": epochCommitmentsMigration(dialect),
      };
    },
  };
}
