/**
 * Differential tests against OpenSSL with Debian's gost engine (libengine-gost-openssl) on random inputs:
 * Streebog digests, GOST R 34.10-2012 signatures both ways, and CMS SignedData that OpenSSL makes (with
 * signed attributes, attached and detached). Skipped locally when the engine is missing; CI must have it.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { before, test } from "node:test";
import { signGostDigest } from "../../../src/crypto/gost/gost3410.ts";
import { parseCertificate } from "../../../src/pki/certificate.ts";
import { createPki } from "../../../src/pki/create-pki.ts";
import { generateGostPrivateKey, gostPrivateKeyPem } from "../../../src/pki/gost/keys.ts";
import { createTestCa, issueTestCertificate, writeIssued } from "../../../src/server/test-ca.ts";
import { signRawForTest } from "../../support/raw-sign.ts";
import { useTempDir } from "../../support/temp-dir.ts";

const pki = createPki();

const engineAvailable =
  spawnSync("openssl", ["dgst", "-engine", "gost", "-md_gost12_256", "/dev/null"], { stdio: "ignore" })
    .status === 0;
const MISSING = "openssl with the gost engine is not installed (apt-get install libengine-gost-openssl)";
// CI installs the engine: there a missing engine is a failure, not a skip.
const skip = !engineAvailable && process.env.CI !== "true" ? MISSING : false;

const tempDir = useTempDir();

function openssl(...args: string[]): Buffer {
  return execFileSync("openssl", args, { stdio: ["ignore", "pipe", "pipe"], timeout: 10_000 });
}

async function tempFile(name: string, content: Uint8Array | string): Promise<string> {
  const path = join(await tempDir(), name);
  await writeFile(path, content);
  return path;
}

const holder = { certPath: "", keyPath: "", keyPem: "", der: new Uint8Array() };
before(async () => {
  if (!engineAvailable) return;
  const dir = await tempDir();
  await createTestCa(join(dir, "ca"), { alg: "gost2012-256" });
  const issued = await issueTestCertificate(join(dir, "ca"), {
    name: "Openssl Interop",
    alg: "gost2012-256",
  });
  const paths = await writeIssued(join(dir, "user"), issued);
  Object.assign(holder, paths, { keyPem: issued.keyPem, der: issued.der });
});

test("openssl with the gost engine is available in CI", { skip }, () => {
  assert.ok(engineAvailable, MISSING);
});

test("Streebog-256/512 digests equal openssl's on 10 random inputs", { skip }, async () => {
  const engine = pki.engine;
  for (let i = 0; i < 10; i++) {
    const input = await tempFile(`digest-${i}.bin`, randomBytes(randomInt(0, 400)));
    const bits = i % 3 === 2 ? 512 : 256;
    const expected = openssl("dgst", "-engine", "gost", `-md_gost12_${bits}`, "-binary", input);
    const actual = await engine.digest(`STREEBOG-${bits}`, new Uint8Array(await readFile(input)));
    assert.deepEqual(new Uint8Array(actual), new Uint8Array(expected), `input ${i}`);
  }
});

test("GOST 2012-256 signatures made by openssl verify with us (5 random inputs)", { skip }, async () => {
  const cert = parseCertificate(holder.der);
  for (let i = 0; i < 5; i++) {
    const data = randomBytes(randomInt(1, 300));
    const input = await tempFile(`to-sign-${i}.bin`, data);
    const signature = openssl("dgst", "-engine", "gost", "-md_gost12_256", "-sign", holder.keyPath, input);
    const result = await pki.verifyRawSignature(cert, new Uint8Array(data), new Uint8Array(signature));
    assert.deepEqual(result, { valid: true, algorithm: "gost2012-256-streebog256", layout: "standard" });
  }
});

test("GOST 2012-256 signatures we make verify with openssl (5 random inputs)", { skip }, async () => {
  const publicKey = await tempFile(
    "public.pem",
    openssl("x509", "-engine", "gost", "-in", holder.certPath, "-pubkey", "-noout"),
  );
  for (let i = 0; i < 5; i++) {
    const data = randomBytes(randomInt(1, 300));
    const input = await tempFile(`signed-${i}.bin`, data);
    const signature = await tempFile(`signed-${i}.sig`, signRawForTest(holder.keyPem, data, "standard"));
    const out = openssl(
      "dgst",
      "-engine",
      "gost",
      "-md_gost12_256",
      "-verify",
      publicKey,
      "-signature",
      signature,
      input,
    );
    assert.match(out.toString(), /Verified OK/);
  }
});

for (const algorithm of ["gost2012-256", "gost2012-512"] as const) {
  test(`${algorithm} signatures we make with an all-zero RNG verify with openssl (3 messages)`, {
    skip,
  }, async () => {
    const key = generateGostPrivateKey(algorithm);
    const keyPath = await tempFile(`${algorithm}-key.pem`, gostPrivateKeyPem(key));
    const publicKey = await tempFile(
      `${algorithm}-public.pem`,
      openssl("pkey", "-engine", "gost", "-in", keyPath, "-pubout"),
    );
    const bits = key.curve.byteLength * 8;
    for (let i = 0; i < 3; i++) {
      const data = randomBytes(randomInt(1, 300));
      const input = await tempFile(`${algorithm}-zero-${i}.bin`, data);
      const signature = signGostDigest({
        curve: key.curve,
        privateKey: key.d,
        digest: key.scheme.hash(new Uint8Array(data)),
        randomBytes: (length) => new Uint8Array(length),
      });
      const signaturePath = await tempFile(`${algorithm}-zero-${i}.sig`, signature);
      const out = openssl(
        "dgst",
        "-engine",
        "gost",
        `-md_gost12_${bits}`,
        "-verify",
        publicKey,
        "-signature",
        signaturePath,
        input,
      );
      assert.match(out.toString(), /Verified OK/);
    }
  });
}

for (const mode of ["detached", "attached"] as const) {
  test(`an openssl CMS SignedData with signed attributes (${mode}) verifies with us`, { skip }, async () => {
    const data = randomBytes(200);
    const input = await tempFile(`cms-${mode}.bin`, data);
    const cms = openssl(
      "cms",
      "-sign",
      "-engine",
      "gost",
      "-binary",
      "-md",
      "md_gost12_256",
      "-signer",
      holder.certPath,
      "-inkey",
      holder.keyPath,
      "-in",
      input,
      "-outform",
      "DER",
      ...(mode === "attached" ? ["-nodetach"] : []),
    );
    const options = mode === "detached" ? { data: new Uint8Array(data) } : {};
    const result = await pki.verifyCms(new Uint8Array(cms), options);
    assert.equal(result.valid, true, result.reason);
    assert.equal(result.algorithm, "gost2012-256-streebog256");
    if (mode === "detached") {
      const altered = await pki.verifyCms(new Uint8Array(cms), {
        data: new Uint8Array(randomBytes(200)),
      });
      assert.equal(altered.valid, false);
      assert.match(altered.reason ?? "", /digest/i);
    }
  });
}
