/**
 * The SDK signer's output checked by independent code: OpenSSL (with Debian's gost engine for GOST) verifies
 * the detached CMS, and our server-side verifiers accept the raw signatures in the layouts clients send.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadSigner, loadSignerFromPfx, signatureVerifier } from "../../src/client/index.ts";
import { createTestCa, type IssueAlgorithm, issueTestCertificate } from "../../src/server/test-ca.ts";
import { useTempDir } from "../support/temp-dir.ts";
import { readVector } from "../support/vectors.ts";

const tempDir = useTempDir("certchat-signing-");
const gostEngine =
  spawnSync("openssl", ["dgst", "-engine", "gost", "-md_gost12_256", "/dev/null"], { stdio: "ignore" })
    .status === 0;
const skipGost = !gostEngine && process.env.CI !== "true" ? "openssl's gost engine is not installed" : false;

let testCa: Promise<string> | undefined;

async function signerFor(alg: IssueAlgorithm) {
  testCa ??= tempDir().then(async (dir) => {
    await createTestCa(join(dir, "ca"), { alg: "ecdsa-p256" });
    return join(dir, "ca");
  });
  const caDir = await testCa;
  const issued = await issueTestCertificate(caDir, { name: "Иванов Иван Иванович", alg });
  return loadSigner(issued.der, issued.keyPem);
}

async function opensslVerifiesCms(alg: IssueAlgorithm, engine: string[]): Promise<void> {
  const signer = await signerFor(alg);
  const content = new TextEncoder().encode(`a file signed with ${alg}\n`);
  const dir = await tempDir();
  await writeFile(join(dir, `${alg}.bin`), content);
  await writeFile(join(dir, `${alg}.p7s`), await signer.cms(content));
  const args = ["cms", ...engine, "-verify", "-binary", "-inform", "DER", "-noverify", "-out", "/dev/null"];
  execFileSync("openssl", [...args, "-in", join(dir, `${alg}.p7s`), "-content", join(dir, `${alg}.bin`)], {
    stdio: "pipe",
  });
  assert.equal(await verifier.cms(signer.certificate, content, await signer.cms(content)), true);
  const other = new TextEncoder().encode("another file");
  assert.equal(await verifier.cms(signer.certificate, other, await signer.cms(content)), false);
}

const verifier = signatureVerifier();

describe("SDK signer", () => {
  it("detached CMS of an ECDSA P-256 key verifies with OpenSSL and with our verifier", async () => {
    await opensslVerifiesCms("ecdsa-p256", []);
  });

  it("detached CMS of a GOST 2012-256 key verifies with OpenSSL's gost engine", {
    skip: skipGost,
  }, async () => {
    await opensslVerifiesCms("gost2012-256", ["-engine", "gost"]);
  });

  it("a CMS whose embedded signer is another key is not the sender's signature", async () => {
    const sender = await signerFor("ecdsa-p256");
    const impostor = await signerFor("ecdsa-p256");
    const content = new TextEncoder().encode("forged");
    assert.equal(await verifier.cms(sender.certificate, content, await impostor.cms(content)), false);
  });

  for (const alg of ["gost2012-256", "gost2012-512", "ecdsa-p256", "rsa-2048", "ed25519"] as const) {
    it(`raw signatures of ${alg} verify over the signed bytes only`, async () => {
      const signer = await signerFor(alg);
      const data = new TextEncoder().encode("Привет");
      assert.equal(await verifier.raw(signer.certificate, data, await signer.sign(data)), true);
      assert.equal(await verifier.raw(signer.certificate, data.subarray(1), await signer.sign(data)), false);
    });
  }
});

describe("SDK signer from a PFX", () => {
  const pfx = () =>
    new Uint8Array(Buffer.from(readVector("gost-pfx/r50.1.112-2016-example.pfx.b64").toString(), "base64"));

  it("the R 50.1.112-2016 example PFX gives a signer whose raw and CMS signatures verify with its certificate", async () => {
    const signer = await loadSignerFromPfx(pfx(), "Пароль для PFX");
    const data = new TextEncoder().encode("Привет из PFX");
    assert.equal(await verifier.raw(signer.certificate, data, await signer.sign(data)), true);
    assert.equal(await verifier.cms(signer.certificate, data, await signer.cms(data)), true);
    assert.equal(signer.ownKey.kind, "gost");
  });

  it("a wrong PFX password is reported as such", async () => {
    await assert.rejects(loadSignerFromPfx(pfx(), "Пароль"), /wrong password/);
  });
});
