import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseCertificate } from "../../../src/pki/certificate.ts";
import { decodePemBlocks } from "../../../src/pki/pem.ts";
import { createTestCa, issueTestCertificate, writeIssued } from "../../../src/server/test-ca.ts";
import { testCaDir } from "../../../src/server/trust-setup.ts";
import { runCli, tempDataDir } from "../../support/cli.ts";
import { trustStoreFromPaths } from "../../support/pki.ts";

/**
 * A data directory with a test CA, made in this process: each `certchat` run from source costs seconds of
 * start-up, so a test spawns only the commands it is about (`ca init` itself is tested first).
 */
async function dataDirWithCa(): Promise<string> {
  const dataDir = tempDataDir();
  await createTestCa(testCaDir(dataDir));
  return dataDir;
}

/** `ca issue` into `out`, done in this process, for tests about what is done with the certificate. */
async function issued(dataDir: string, out: string): Promise<void> {
  await writeIssued(out, await issueTestCertificate(testCaDir(dataDir), { name: "Петров Пётр Петрович" }));
}

test("ca init creates the test CA and refuses to overwrite it", async () => {
  const env = { CERTCHAT_DATA_DIR: tempDataDir() };
  const first = await runCli(["ca", "init"], env);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /test CA created/);
  const second = await runCli(["ca", "init"], env);
  assert.equal(second.code, 1);
});

test("ca issue writes a certificate with the Russian subject attributes and a PKCS#8 key", async () => {
  const dataDir = await dataDirWithCa();
  const out = join(dataDir, "user");
  const result = await runCli(
    [
      "ca",
      "issue",
      "--name",
      "Иванов Иван Иванович",
      "--snils",
      "11223344595",
      "--ogrn",
      "1027700132195",
      "--org",
      "ООО Ромашка",
      "--title",
      "Директор",
      "--out",
      out,
    ],
    { CERTCHAT_DATA_DIR: dataDir },
  );
  assert.equal(result.code, 0, result.stderr);
  const [block] = decodePemBlocks(readFileSync(join(out, "cert.pem"), "utf8"));
  assert.ok(block);
  const certificate = parseCertificate(block.der);
  assert.equal(certificate.subject.surname, "Иванов");
  assert.equal(certificate.subject.givenName, "Иван Иванович");
  assert.equal(certificate.subject.snils, "11223344595");
  assert.equal(certificate.subject.ogrn, "1027700132195");
  assert.match(readFileSync(join(out, "key.pem"), "utf8"), /BEGIN PRIVATE KEY/);
});

test("ca issue with both --ogrn and --ogrnip is refused", async () => {
  const dataDir = await dataDirWithCa();
  const result = await runCli(
    [
      "ca",
      "issue",
      "--name",
      "А Б В",
      "--ogrn",
      "1027700132195",
      "--ogrnip",
      "304500116000157",
      "--out",
      dataDir,
    ],
    { CERTCHAT_DATA_DIR: dataDir },
  );
  assert.equal(result.code, 1);
  assert.match(result.stderr, /--ogrn or --ogrnip/);
});

test("a GOST 2012-256 test CA issues a GOST 2012-512 certificate that pki inspect reports as trusted", async () => {
  const dataDir = tempDataDir();
  const env = { CERTCHAT_DATA_DIR: dataDir };
  const out = join(dataDir, "user");
  assert.equal((await runCli(["ca", "init", "--alg", "gost2012-256"], env)).code, 0);
  const issued = await runCli(
    ["ca", "issue", "--name", "Иванов Иван", "--alg", "gost2012-512", "--out", out],
    env,
  );
  assert.equal(issued.code, 0, issued.stderr);
  const certificate = parseCertificate(
    decodePemBlocks(readFileSync(join(out, "cert.pem"), "utf8"))[0]?.der ?? new Uint8Array(),
  );
  assert.equal(certificate.keyAlgorithm, "gost2012-512");
  const inspected = await runCli(["pki", "inspect", join(out, "cert.pem")], env);
  assert.deepEqual(JSON.parse(inspected.stdout).chain, {
    trust: `test CA ${join(dataDir, "ca", "ca.pem")}`,
    ok: true,
    qualified: true,
  });
});

function issueArgs(out: string, ...validity: string[]): string[] {
  return ["ca", "issue", "--name", "Петров Пётр Петрович", "--out", out, ...validity];
}

function issuedCertificate(out: string) {
  const [block] = decodePemBlocks(readFileSync(join(out, "cert.pem"), "utf8"));
  assert.ok(block);
  return parseCertificate(block.der);
}

test("ca issue --days sets the validity to that many days from now", async () => {
  const dataDir = await dataDirWithCa();
  const out = join(dataDir, "user");
  const before = Date.now();
  const result = await runCli(issueArgs(out, "--days", "2"), { CERTCHAT_DATA_DIR: dataDir });
  assert.equal(result.code, 0, result.stderr);
  const { notAfter } = issuedCertificate(out);
  // Whole seconds in the certificate: allow a second either side of the run.
  assert.ok(notAfter.getTime() >= before + 2 * 86_400_000 - 1000);
  assert.ok(notAfter.getTime() <= Date.now() + 2 * 86_400_000 + 1000);
});

test("ca issue --not-before/--not-after makes an already expired certificate", async () => {
  const dataDir = await dataDirWithCa();
  const out = join(dataDir, "user");
  const args = issueArgs(out, "--not-before", "2020-01-01T00:00:00Z", "--not-after", "2020-02-01T00:00:00Z");
  const result = await runCli(args, { CERTCHAT_DATA_DIR: dataDir });
  assert.equal(result.code, 0, result.stderr);
  const { notBefore, notAfter } = issuedCertificate(out);
  assert.equal(notBefore.toISOString(), "2020-01-01T00:00:00.000Z");
  assert.equal(notAfter.toISOString(), "2020-02-01T00:00:00.000Z");
});

test("ca issue refuses a bad --days, a bad date and a period that ends before it begins", async () => {
  const dataDir = await dataDirWithCa();
  const out = join(dataDir, "user");
  for (const validity of [
    ["--days", "-1"],
    ["--days", "soon"],
    ["--not-after", "tomorrow"],
    ["--not-before", "2021-01-01", "--not-after", "2020-01-01"],
    ["--days", "1", "--not-after", "2030-01-01"],
  ]) {
    const result = await runCli(issueArgs(out, ...validity), { CERTCHAT_DATA_DIR: dataDir });
    assert.equal(result.code, 1, validity.join(" "));
    assert.match(result.stderr, /--days|--not-|end before/, validity.join(" "));
  }
});

test("ca revoke then ca crl writes a CRL of the test CA listing the revoked certificate", async () => {
  const dataDir = await dataDirWithCa();
  const env = { CERTCHAT_DATA_DIR: dataDir };
  const kept = join(dataDir, "kept");
  const revoked = join(dataDir, "revoked");
  await issued(dataDir, kept);
  await issued(dataDir, revoked);
  const revoke = await runCli(["ca", "revoke", join(revoked, "cert.pem")], env);
  assert.equal(revoke.code, 0, revoke.stderr);
  const crlPath = join(dataDir, "out", "test.crl");
  const crl = await runCli(["ca", "crl", "--out", crlPath], env);
  assert.equal(crl.code, 0, crl.stderr);
  assert.match(crl.stdout, /1 revoked/);
  const trust = await trustStoreFromPaths([join(dataDir, "ca", "ca.pem")], [crlPath]);
  assert.equal((await trust.check(issuedCertificate(kept))).ok, true);
  assert.equal((await trust.check(issuedCertificate(revoked))).ok, false);
  assert.deepEqual([...(await trust.revokedSerials())], [issuedCertificate(revoked).serialNumber]);
});

test("ca revoke refuses a certificate the test CA did not issue", async () => {
  const ours = await dataDirWithCa();
  const theirs = await dataDirWithCa();
  const out = join(theirs, "user");
  await issued(theirs, out);
  const result = await runCli(["ca", "revoke", join(out, "cert.pem")], { CERTCHAT_DATA_DIR: ours });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /not issued by this test CA/);
});
