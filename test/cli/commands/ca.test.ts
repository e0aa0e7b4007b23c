import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseCertificate } from "../../../src/server/pki/certificate.ts";
import { decodePemBlocks } from "../../../src/server/pki/pem.ts";
import { runCli, tempDataDir } from "../../support/cli.ts";

test("ca init creates the test CA and refuses to overwrite it", async () => {
  const env = { CERTCHAT_DATA_DIR: tempDataDir() };
  const first = await runCli(["ca", "init"], env);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /test CA created/);
  const second = await runCli(["ca", "init"], env);
  assert.equal(second.code, 1);
});

test("ca issue writes a certificate with the Russian subject attributes and a PKCS#8 key", async () => {
  const dataDir = tempDataDir();
  const out = join(dataDir, "user");
  await runCli(["ca", "init"], { CERTCHAT_DATA_DIR: dataDir });
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
  const dataDir = tempDataDir();
  await runCli(["ca", "init"], { CERTCHAT_DATA_DIR: dataDir });
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
