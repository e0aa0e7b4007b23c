import assert from "node:assert/strict";
import { test } from "node:test";
import { migrateToLatest, openStorage, storageTarget } from "../../../src/server/storage/database.ts";
import { listAuditEvents } from "../../../src/server/storage/repositories/audit.ts";
import { upsertProfile } from "../../../src/server/storage/repositories/profiles.ts";
import { runCli, tempDataDir } from "../../support/cli.ts";

test("billing topup adds to the balance of an existing profile", async () => {
  const dataDir = tempDataDir();
  const storage = openStorage(storageTarget(dataDir));
  await migrateToLatest(storage);
  const profile = await upsertProfile(
    storage.db,
    {
      profile_key: "dn:CA|X",
      type: 0,
      name: "X",
      company: null,
      title: null,
      inn: null,
      ogrn: null,
      snils: null,
    },
    Date.now(),
  );
  await storage.close();
  const env = { CERTCHAT_DATA_DIR: dataDir };
  await runCli(["billing", "topup", "--pid", String(profile.id), "--amount", "100.5"], env);
  const result = await runCli(["billing", "topup", "--pid", String(profile.id), "--amount", "199"], env);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /balance 299\.50/);
});

test("billing topup for an unknown profile fails with a clear message", async () => {
  const dataDir = tempDataDir();
  await runCli(["migrate"], { CERTCHAT_DATA_DIR: dataDir });
  const result = await runCli(["billing", "topup", "--pid", "999", "--amount", "1"], {
    CERTCHAT_DATA_DIR: dataDir,
  });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /no profile with id 999/);
});

test("billing topup refuses an amount with more than two decimals", async () => {
  const result = await runCli(["billing", "topup", "--pid", "1", "--amount", "1.005"], {
    CERTCHAT_DATA_DIR: tempDataDir(),
  });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /at most two decimals/);
});

test("billing topup is in the audit log with the operator and the amount in kopecks", async () => {
  const dataDir = tempDataDir();
  const storage = openStorage(storageTarget(dataDir));
  await migrateToLatest(storage);
  const profile = await upsertProfile(
    storage.db,
    {
      profile_key: "dn:CA|Y",
      type: 0,
      name: "Y",
      company: null,
      title: null,
      inn: null,
      ogrn: null,
      snils: null,
    },
    Date.now(),
  );
  const result = await runCli(["billing", "topup", "--pid", String(profile.id), "--amount", "12.34"], {
    CERTCHAT_DATA_DIR: dataDir,
  });
  assert.equal(result.code, 0, result.stderr);
  const [event] = await listAuditEvents(storage.db, { profileId: profile.id, limit: 10 });
  await storage.close();
  assert.equal(event?.type, "billing.topup");
  assert.match(event?.actor ?? "", /^admin/);
  assert.equal(event?.details, '{"amountMinor":1234}');
});
