import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { CLIENT_TRUST_ENV, readAnchors, trustFile } from "../../../src/cli/user/client-trust.ts";
import { decodeCertificateText } from "../../../src/pki/certificate.ts";
import { CA_CERT_FILE, createTestCa } from "../../../src/server/test-ca.ts";
import { useTempDir } from "../../support/temp-dir.ts";

const tempDir = useTempDir("certchat-client-trust-");

describe("CLI client trust", () => {
  it("reads every CA certificate of a PEM file", async () => {
    const dir = await tempDir();
    const pems = [];
    for (const name of ["a", "b"]) {
      await createTestCa(join(dir, name));
      pems.push(await readFile(join(dir, name, CA_CERT_FILE), "utf8"));
    }
    await writeFile(join(dir, "both.pem"), pems.join("\n"));
    const anchors = await readAnchors(join(dir, "both.pem"));
    assert.deepEqual(
      anchors,
      pems.map((pem) => decodeCertificateText(pem)),
    );
  });

  it("takes --trust before $CERTCHAT_CLIENT_TRUST, and the environment's when not given", () => {
    const saved = process.env[CLIENT_TRUST_ENV];
    process.env[CLIENT_TRUST_ENV] = "from-env.pem";
    try {
      assert.equal(trustFile("given.pem"), resolve("given.pem"));
      assert.equal(trustFile(), resolve("from-env.pem"));
    } finally {
      if (saved === undefined) delete process.env[CLIENT_TRUST_ENV];
      else process.env[CLIENT_TRUST_ENV] = saved;
    }
  });

  it("refuses a PEM file without a certificate", async () => {
    const path = join(await tempDir(), "empty.pem");
    await writeFile(path, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    await assert.rejects(readAnchors(path), /no certificate in/);
  });
});
