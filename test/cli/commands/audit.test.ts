import assert from "node:assert/strict";
import { before, test } from "node:test";
import { migrateToLatest, openStorage, storageTarget } from "../../../src/server/storage/database.ts";
import { recordAuditEvent } from "../../../src/server/storage/repositories/audit.ts";
import { runCli, tempDataDir } from "../../support/cli.ts";

const HOUR = 3_600_000;
const dataDir = tempDataDir();
const env = { CERTCHAT_DATA_DIR: dataDir };

before(async () => {
  const storage = openStorage(storageTarget(dataDir));
  await migrateToLatest(storage);
  const now = Date.now();
  await recordAuditEvent(storage.db, { type: "login", actor: "profile:1", profileId: 1 }, now - 48 * HOUR);
  await recordAuditEvent(
    storage.db,
    { type: "login", actor: "profile:2", profileId: 2, sessionId: 5 },
    now - HOUR,
  );
  await recordAuditEvent(
    storage.db,
    {
      type: "session.revoked",
      actor: "admin:ops",
      profileId: 2,
      details: { selector: "profile 2", count: 1 },
    },
    now,
  );
  await storage.close();
});

test("audit prints every event oldest first, one line each", async () => {
  const result = await runCli(["audit"], env);
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.trim().split("\n");
  assert.equal(lines.length, 3);
  assert.match(lines[1] ?? "", /^2 \S+ \S+ login by profile:2 pid=2 session=5$/);
  assert.match(lines[2] ?? "", /session\.revoked by admin:ops pid=2 \{"selector":"profile 2","count":1\}/);
});

test("audit --since 24h --json leaves out older events and prints JSON Lines", async () => {
  const result = await runCli(["audit", "--since", "24h", "--json"], env);
  assert.equal(result.code, 0, result.stderr);
  const events = result.stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { type: string; details: unknown });
  assert.deepEqual(
    events.map((event) => event.type),
    ["login", "session.revoked"],
  );
  assert.deepEqual(events[1]?.details, { selector: "profile 2", count: 1 });
});

test("audit --since with an ISO date in the future prints nothing", async () => {
  const result = await runCli(["audit", "--since", "2999-01-01"], env);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "");
});

test("audit --since with something that is no time fails with a message", async () => {
  const result = await runCli(["audit", "--since", "yesterday"], env);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /--since expects an ISO date or time/);
});

test("an admin command on a database that lacks migrations asks for certchat migrate", async () => {
  const result = await runCli(["audit"], { CERTCHAT_DATA_DIR: tempDataDir() });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /lacks migrations 0001-identity.*run certchat migrate first/);
});
