import type { Command } from "commander";
import { type AuditRow, listAuditEvents } from "../../server/storage/repositories/audit.ts";
import { parseSince } from "../admin/since.ts";
import { positiveId, withAdminStorage } from "../admin/storage.ts";
import { formatTime } from "../admin/table.ts";
import { configFrom, runCommand } from "../config-loader.ts";
import { terminalJson } from "../user/format.ts";

/** Events are read this many at a time, so a long log streams out without being held in memory. */
const PAGE = 1000;

interface AuditOptions {
  since?: string;
  profile?: string;
  limit?: string;
  json?: boolean;
  config?: string;
}

function eventJson(row: AuditRow): object {
  return {
    id: row.id,
    at: new Date(row.at).toISOString(),
    type: row.type,
    actor: row.actor,
    profileId: row.profile_id,
    certificateId: row.certificate_id,
    sessionId: row.session_id,
    chatId: row.chat_id,
    details: row.details === null ? null : (JSON.parse(row.details) as unknown),
  };
}

function eventLine(row: AuditRow): string {
  const subjects = [
    row.profile_id !== null ? `pid=${row.profile_id}` : "",
    row.certificate_id !== null ? `cid=${row.certificate_id}` : "",
    row.session_id !== null ? `session=${row.session_id}` : "",
    row.chat_id !== null ? `chat=${row.chat_id}` : "",
    row.details ?? "",
  ].filter((part) => part !== "");
  return `${row.id} ${formatTime(row.at)} ${row.type} by ${row.actor} ${subjects.join(" ")}`.trimEnd();
}

export function auditCommand(program: Command): void {
  program
    .command("audit")
    .description("the audit log (logins, certificates attached, operator actions), oldest first")
    .option("--since <time>", "from this ISO date/time, or this long ago (24h, 7d)")
    .option("--profile <pid>", "only events about this profile")
    .option("--limit <n>", "at most this many events")
    .option("--json", "one JSON object per line (JSON Lines)")
    .option("--config <file>", ".env-style file with CERTCHAT_* settings")
    .action((options: AuditOptions) =>
      runCommand(async () => {
        const since = options.since === undefined ? undefined : parseSince(options.since, Date.now());
        const profileId =
          options.profile === undefined ? undefined : positiveId(options.profile, "--profile");
        let left =
          options.limit === undefined ? Number.POSITIVE_INFINITY : positiveId(options.limit, "--limit");
        await withAdminStorage(configFrom(options.config), async (storage) => {
          let afterId: number | undefined;
          while (left > 0) {
            const limit = Math.min(PAGE, left);
            const page = await listAuditEvents(storage.db, { since, profileId, afterId, limit });
            const text = page.map((row) => (options.json ? terminalJson(eventJson(row)) : eventLine(row)));
            if (text.length > 0) process.stdout.write(`${text.join("\n")}\n`);
            if (page.length < limit) break;
            left -= page.length;
            afterId = page.at(-1)?.id;
          }
        });
      }),
    );
}
