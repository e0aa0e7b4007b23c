/** `certchat pki inspect|verify` run as a user runs them, on the shared vectors and on test-CA files. */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { before, test } from "node:test";
import { createTestCa, issueTestCertificate, writeIssued } from "../../../src/server/test-ca.ts";
import { runCli } from "../../support/cli.ts";
import { signRawForTest } from "../../support/raw-sign.ts";
import { useTempDir } from "../../support/temp-dir.ts";
import { vectorPath } from "../../support/vectors.ts";

const tempDir = useTempDir();

interface Run {
  code: number;
  json: Record<string, unknown>;
}

async function run(...args: string[]): Promise<Run> {
  const result = await runCli(["pki", ...args], { CERTCHAT_DATA_DIR: await tempDir() });
  return { code: result.code ?? -1, json: JSON.parse(result.stdout) };
}

let user = { cert: "", key: "", ca: "" };
before(async () => {
  const dir = await tempDir();
  const caDir = join(dir, "gost-ca");
  const { certPath } = await createTestCa(caDir, { alg: "gost2012-256" });
  const issued = await issueTestCertificate(caDir, {
    name: "Кузнецов Олег",
    alg: "gost2012-512",
    snils: "11223344595",
  });
  const paths = await writeIssued(join(dir, "user"), issued);
  user = { cert: paths.certPath, key: issued.keyPem, ca: certPath };
});

test("pki inspect prints a GOST CA certificate's key, parameter set, Russian ids and chain status (path valid, refused for login as a CA's)", async () => {
  const { code, json } = await run(
    "inspect",
    vectorPath("gost/cryptopro-real/uc_1_is_guc-gost2001.cer"),
    "--trust",
    vectorPath("gost-legacy/certs/minsvyaz_guc_root_2012.pem"),
    "--at",
    "2020-01-01T00:00:00Z",
  );
  assert.equal(code, 0);
  assert.deepEqual(json.key, {
    algorithm: "gost2001",
    oid: "1.2.643.2.2.19",
    parameterSet: { oid: "1.2.643.2.2.35.1", name: "id-GostR3410-2001-CryptoPro-A-ParamSet" },
    supported: true,
  });
  assert.deepEqual(json.russianIds, {
    inn: { value: "007710474375", valid: true },
    ogrn: { value: "1047702026701", valid: true },
  });
  // The path validated (else "untrusted"); as a login would, the status refuses a CA's certificate.
  assert.deepEqual(json.chain, {
    trust: vectorPath("gost-legacy/certs/minsvyaz_guc_root_2012.pem"),
    ok: false,
    reason: "invalid",
    detail: "a CA certificate (basicConstraints cA)",
  });
  assert.match(String(json.fingerprintSha256), /^[0-9a-f]{64}$/);
});

test("pki inspect reports a GOST R 34.10-94 certificate as unsupported", async () => {
  const { code, json } = await run("inspect", vectorPath("gost-legacy/certs/rfc4491_gost94_cert.pem"));
  assert.equal(code, 0);
  assert.equal((json.key as { supported: boolean }).supported, false);
});

test("pki inspect of a missing file exits with 2", async () => {
  const { code, json } = await run("inspect", join(await tempDir(), "missing.pem"));
  assert.equal(code, 2);
  assert.match(String(json.error), /cannot read certificate/);
});

test("pki verify --cms accepts a TK26 SignedData with its signer certificate (exit 0)", async () => {
  const { code, json } = await run(
    "verify",
    "--cert",
    vectorPath("gost/tk26iok/tk26iok-512-paramsetB-selfsigned.pem"),
    "--cms",
    vectorPath("gost/tk26cms/signed-512-paramsetB.pem"),
  );
  assert.equal(code, 0);
  assert.equal(json.valid, true);
  assert.equal(json.algorithm, "gost2012-512-streebog512");
});

test("pki verify --cms with another certificate is invalid (exit 1)", async () => {
  const { code, json } = await run(
    "verify",
    "--cert",
    vectorPath("gost/tk26iok/tk26iok-256-xcha-selfsigned.pem"),
    "--cms",
    vectorPath("gost/tk26cms/signed-512-paramsetB.pem"),
  );
  assert.equal(code, 1);
  assert.equal(json.valid, false);
});

test("pki verify --sig accepts a CryptoAPI-layout GOST signature and names the layout", async () => {
  const dir = await tempDir();
  const data = new TextEncoder().encode("подписанные данные");
  await writeFile(join(dir, "data.bin"), data);
  await writeFile(join(dir, "sig.bin"), signRawForTest(user.key, data, "cryptoapi"));
  const { code, json } = await run(
    "verify",
    "--cert",
    user.cert,
    "--sig",
    join(dir, "sig.bin"),
    "--data",
    join(dir, "data.bin"),
    "--trust",
    user.ca,
  );
  assert.equal(code, 0);
  assert.equal(json.valid, true);
  assert.equal(json.algorithm, "gost2012-512-streebog512");
  assert.equal(json.layout, "cryptoapi");
});

test("pki verify --sig over other data is invalid (exit 1)", async () => {
  const dir = await tempDir();
  await writeFile(join(dir, "other.bin"), "other");
  await writeFile(
    join(dir, "sig.b64"),
    Buffer.from(signRawForTest(user.key, new Uint8Array([1]))).toString("base64"),
  );
  const { code, json } = await run(
    "verify",
    "--cert",
    user.cert,
    "--sig",
    join(dir, "sig.b64"),
    "--data",
    join(dir, "other.bin"),
  );
  assert.equal(code, 1);
  assert.equal(json.reason, "signature does not verify");
});

test("pki verify without --sig or --cms is unusable input (exit 2)", async () => {
  const { code, json } = await run("verify", "--cert", user.cert);
  assert.equal(code, 2);
  assert.equal(json.valid, false);
});
