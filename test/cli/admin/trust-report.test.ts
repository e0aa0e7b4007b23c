import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";
import { TrustReport } from "../../../src/cli/admin/trust-report.ts";
import { parseCertificate } from "../../../src/pki/certificate.ts";
import { loadConfig } from "../../../src/server/config.ts";
import { createTestCa, createTestCrl, issueTestCertificate } from "../../../src/server/test-ca.ts";
import { runCli } from "../../support/cli.ts";
import { useTempDir } from "../../support/temp-dir.ts";

const tempDir = useTempDir("certchat-trust-report-");
const DAY = 86_400_000;

/** Two CAs: A listed as qualified with a fresh CRL, B unmarked with a stale CRL that revokes `revoked`. */
let dirs: {
  a: string;
  b: string;
  freshCrl: string;
  staleCrl: string;
  good: string;
  revoked: string;
  dataDir: string;
  /** Another CA named "Plain CA", as B is, with a key of its own. */
  namesake: string;
};
let env: Record<string, string>;
let goodDer: Uint8Array;

before(async () => {
  const root = await tempDir();
  const a = join(root, "ca-a");
  const b = join(root, "ca-b");
  await createTestCa(a, { name: "Qualified CA" });
  await createTestCa(b, { name: "Plain CA" });
  const namesake = join(root, "ca-namesake");
  await createTestCa(namesake, { name: "Plain CA" });
  const good = await issueTestCertificate(a, { name: "Иванов Иван Иванович" });
  const revoked = await issueTestCertificate(b, { name: "Петров Пётр Петрович" });
  const freshCrl = join(root, "a.crl");
  const staleCrl = join(root, "b.crl");
  writeFileSync(freshCrl, (await createTestCrl(a, { revokedSerials: [] })).crlPem);
  const old = new Date(Date.now() - 30 * DAY);
  const revokedSerial = parseCertificate(revoked.der).serialNumber;
  writeFileSync(
    staleCrl,
    (
      await createTestCrl(b, {
        revokedSerials: [revokedSerial],
        thisUpdate: old,
        nextUpdate: new Date(old.getTime() + DAY),
      })
    ).crlPem,
  );
  writeFileSync(join(root, "good.pem"), good.certPem);
  goodDer = good.der;
  writeFileSync(join(root, "revoked.pem"), revoked.certPem);
  dirs = {
    a,
    b,
    freshCrl,
    staleCrl,
    good: join(root, "good.pem"),
    revoked: join(root, "revoked.pem"),
    dataDir: root,
    namesake,
  };
  env = {
    CERTCHAT_DATA_DIR: root,
    CERTCHAT_TRUST: `qualified:${join(a, "ca.pem")},${join(b, "ca.pem")}`,
    CERTCHAT_CRL: `${freshCrl},${staleCrl}`,
    // A production trust configuration needs a real SMS gateway; the admin commands never call it.
    CERTCHAT_SMS_PROVIDER: "http",
    CERTCHAT_SMS_HTTP_URL: "http://127.0.0.1:9/sms",
  };
});

test("the list names each anchor's entry and mark, and which CRL is past its nextUpdate", async () => {
  const report = await TrustReport.load(loadConfig(env), new Date());
  assert.deepEqual(
    report.anchors.map((anchor) => [anchor.subject.includes("Qualified CA"), anchor.qualified, anchor.role]),
    [
      [true, "qualified", "root"],
      [false, "unmarked", "root"],
    ],
  );
  assert.deepEqual(
    report.crls.map((crl) => [crl.source, crl.stale, crl.revoked]),
    [
      [dirs.freshCrl, false, 0],
      [dirs.staleCrl, true, 1],
    ],
  );
});

test("without CERTCHAT_TRUST the data directory's test CA is listed as such", async () => {
  const dataDir = join(dirs.dataDir, "data");
  assert.deepEqual(
    (await TrustReport.load(loadConfig({ CERTCHAT_DATA_DIR: dataDir }), new Date())).anchors,
    [],
  );
  await createTestCa(join(dataDir, "ca"));
  const report = await TrustReport.load(loadConfig({ CERTCHAT_DATA_DIR: dataDir }), new Date());
  assert.deepEqual(
    report.anchors.map((anchor) => anchor.qualified),
    ["test CA"],
  );
});

test("check of a certificate under the qualified CA: trusted, qualified, with its issuer's fresh CRL", async () => {
  const report = await TrustReport.load(loadConfig(env), new Date());
  const result = await report.check(parseCertificate(goodDer), new Date());
  assert.deepEqual(result.status, { ok: true, qualified: true });
  assert.equal(result.qualified, "qualified");
  assert.deepEqual(
    result.issuerCrls.map((crl) => crl.stale),
    [false],
  );
});

test("certchat trust check exits 1 for a revoked certificate and names the stale CRL", async () => {
  const result = await runCli(["trust", "check", dirs.revoked], env);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stdout, /refused \(revoked/);
  assert.match(result.stdout, /qualified: unmarked/);
  assert.match(result.stdout, /STALE/);
});

test("certchat trust list prints the qualified column and the CRL table", async () => {
  const result = await runCli(["trust", "list"], env);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^qualified\s+role\s+subject/);
  assert.match(result.stdout, /STALE/);
});

test("certchat trust list says so when there is no anchor at all", async () => {
  const result = await runCli(["trust", "list"], { CERTCHAT_DATA_DIR: join(dirs.dataDir, "empty") });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^no trust anchors: CERTCHAT_TRUST is unset/);
});

/** B and its namesake, both unmarked. */
function namesakeEnv(): Record<string, string> {
  return {
    ...env,
    CERTCHAT_TRUST: `${join(dirs.b, "ca.pem")},${join(dirs.namesake, "ca.pem")}`,
    CERTCHAT_CRL: "",
  };
}

test("the report warns of two unmarked CAs of one name with different keys, naming each one's entry", async () => {
  const report = await TrustReport.load(loadConfig(namesakeEnv()), new Date());
  assert.equal(report.warnings.length, 1);
  assert.match(report.warnings[0] ?? "", /Plain CA/);
  for (const anchor of report.anchors) {
    assert.ok(report.warnings[0]?.includes(`${anchor.fingerprint} (${anchor.source})`), report.warnings[0]);
  }
});

test("the report has no warning when no two configured CAs share a name", async () => {
  assert.deepEqual((await TrustReport.load(loadConfig(env), new Date())).warnings, []);
});

test("certchat trust list prints the shared name's warning after the tables, and --json carries it", async () => {
  const text = await runCli(["trust", "list"], namesakeEnv());
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /\nwarning: CAs named [^\n]*Plain CA[^\n]* hold different keys/);
  const json = await runCli(["trust", "list", "--json"], namesakeEnv());
  assert.equal((JSON.parse(json.stdout) as { warnings: string[] }).warnings.length, 1);
});
