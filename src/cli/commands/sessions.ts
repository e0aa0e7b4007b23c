import type { Command } from "commander";
import type { Config } from "../../server/config.ts";
import type { Storage } from "../../server/storage/database.ts";
import { recordAuditEvent } from "../../server/storage/repositories/audit.ts";
import { findCertificateByFingerprint } from "../../server/storage/repositories/certificates.ts";
import {
  listConfirmedSessions,
  revokeSessions,
  type SessionSelector,
} from "../../server/storage/repositories/session-admin.ts";
import { adminActor, positiveId, withAdminStorage } from "../admin/storage.ts";
import { formatTable, formatTime } from "../admin/table.ts";
import { configFrom, runCommand } from "../config-loader.ts";
import { terminalJson } from "../user/format.ts";

interface SelectorOptions {
  session?: string;
  cert?: string;
  profile?: string;
}

/** `--cert` takes a certificate id or its SHA-256 fingerprint (64 hex digits, as `pki inspect` prints it). */
async function certificateId(storage: Storage, value: string): Promise<number> {
  if (!/^[0-9a-fA-F]{64}$/.test(value)) return positiveId(value, "--cert");
  const row = await findCertificateByFingerprint(storage.db, value.toLowerCase());
  if (!row) throw new Error(`no certificate with fingerprint ${value}`);
  return row.id;
}

async function selectorFrom(
  storage: Storage,
  options: SelectorOptions,
): Promise<SessionSelector | undefined> {
  const given = [options.session, options.cert, options.profile].filter((value) => value !== undefined);
  if (given.length > 1) throw new Error("give one of --session, --cert and --profile");
  if (options.session !== undefined) return { sessionId: positiveId(options.session, "--session") };
  if (options.cert !== undefined) return { certificateId: await certificateId(storage, options.cert) };
  if (options.profile !== undefined) return { profileId: positiveId(options.profile, "--profile") };
  return undefined;
}

function describeSelector(selector: SessionSelector): string {
  if ("sessionId" in selector) return `session ${selector.sessionId}`;
  if ("certificateId" in selector) return `certificate ${selector.certificateId}`;
  return `profile ${selector.profileId}`;
}

async function listSessions(
  config: Config,
  options: SelectorOptions & { all?: boolean; limit: string; json?: boolean },
): Promise<void> {
  await withAdminStorage(config, async (storage) => {
    const selector = await selectorFrom(storage, options);
    const sessions = await listConfirmedSessions(storage.db, {
      selector,
      seenSince: options.all ? undefined : Date.now() - config.ttl.tokenIdleMs,
      limit: positiveId(options.limit, "--limit"),
    });
    if (options.json) {
      process.stdout.write(`${terminalJson(sessions, 2)}\n`);
      return;
    }
    const rows = sessions.map((s) => [
      String(s.id),
      String(s.profileId),
      s.profileName ?? "",
      String(s.certificateId),
      (s.fingerprint ?? "").slice(0, 16),
      formatTime(s.createdAt),
      formatTime(s.lastSeenAt),
      s.clientAddress,
    ]);
    const header = ["session", "pid", "name", "cid", "fingerprint", "created", "last seen", "address"];
    process.stdout.write(formatTable(header, rows));
  });
}

async function revoke(config: Config, options: SelectorOptions): Promise<void> {
  await withAdminStorage(config, async (storage) => {
    const selector = await selectorFrom(storage, options);
    if (!selector) throw new Error("give one of --session, --cert and --profile");
    const count = await storage.db.transaction().execute(async (trx) => {
      const revoked = await revokeSessions(trx, selector);
      await recordAuditEvent(
        trx,
        {
          type: "session.revoked",
          actor: adminActor(),
          ...("profileId" in selector ? { profileId: selector.profileId } : {}),
          ...("certificateId" in selector ? { certificateId: selector.certificateId } : {}),
          ...("sessionId" in selector ? { sessionId: selector.sessionId } : {}),
          details: { selector: describeSelector(selector), count: revoked },
        },
        Date.now(),
      );
      return revoked;
    });
    process.stdout.write(
      `revoked ${count} session(s) of ${describeSelector(selector)}; HTTP requests with them fail now, ` +
        "connected sockets are disconnected within seconds\n",
    );
  });
}

export function sessionsCommand(program: Command): void {
  const sessions = program.command("sessions").description("list and revoke login sessions");
  sessions
    .command("list")
    .description("confirmed sessions that have not expired, newest first (tokens are never shown)")
    .option("--profile <pid>", "only this profile's sessions")
    .option("--cert <id|fingerprint>", "only sessions of this certificate")
    .option("--session <id>", "only this session")
    .option("--all", "include sessions idle past CERTCHAT_TOKEN_TTL")
    .option("--limit <n>", "at most this many", "1000")
    .option("--json", "JSON instead of a table")
    .option("--config <file>", ".env-style file with CERTCHAT_* settings")
    .action((options: SelectorOptions & { all?: boolean; limit: string; json?: boolean; config?: string }) =>
      runCommand(() => listSessions(configFrom(options.config), options)),
    );
  sessions
    .command("revoke")
    .description(
      "end sessions at once: one (--session), a certificate's (--cert) or all of a profile (--profile)",
    )
    .option("--session <id>", "this session")
    .option("--cert <id|fingerprint>", "every session of this certificate")
    .option("--profile <pid>", "every session of this profile")
    .option("--config <file>", ".env-style file with CERTCHAT_* settings")
    .action((options: SelectorOptions & { config?: string }) =>
      runCommand(() => revoke(configFrom(options.config), options)),
    );
}
