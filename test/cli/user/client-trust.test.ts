import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { CLIENT_TRUST_ENV, clientTrust, readAnchors, trustFile } from "../../../src/cli/user/client-trust.ts";
import { decodeCertificateText, parseCertificate } from "../../../src/pki/certificate.ts";
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

  it("keeps a qualified: mark in front of the resolved path, from --trust or the environment", () => {
    const saved = process.env[CLIENT_TRUST_ENV];
    process.env[CLIENT_TRUST_ENV] = "qualified:from-env.pem";
    try {
      assert.equal(trustFile("qualified:given.pem"), `qualified:${resolve("given.pem")}`);
      assert.equal(trustFile(), `qualified:${resolve("from-env.pem")}`);
    } finally {
      if (saved === undefined) delete process.env[CLIENT_TRUST_ENV];
      else process.env[CLIENT_TRUST_ENV] = saved;
    }
  });

  it("marks a qualified: file's CAs qualified, and an unmarked file's none (as before the mark)", async () => {
    const dir = await tempDir();
    await createTestCa(join(dir, "ca"));
    const file = join(dir, "ca", CA_CERT_FILE);
    const fingerprint = parseCertificate(decodeCertificateText(await readFile(file))).fingerprint;
    const marked = await clientTrust(trustFile(`qualified:${file}`));
    const unmarked = await clientTrust(trustFile(file));
    assert.deepEqual("anchors" in marked ? marked.anchors.qualified : "none", [fingerprint]);
    assert.deepEqual("anchors" in unmarked ? unmarked.anchors.qualified : "none", []);
  });

  it("refuses a PEM file without a certificate", async () => {
    const path = join(await tempDir(), "empty.pem");
    await writeFile(path, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    await assert.rejects(readAnchors(path), /no certificate in/);
  });
});
