import assert from "node:assert/strict";
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import {
  CLIENT_CRL_ENV,
  CLIENT_TRUST_ENV,
  clientTrust,
  crlList,
  trustList,
} from "../../../src/cli/user/client-trust.ts";
import { CertificateTrust } from "../../../src/client/certificate-trust.ts";
import { decodeCertificateText, parseCertificate } from "../../../src/pki/certificate.ts";
import {
  CA_CERT_FILE,
  createTestCa,
  issueTestCertificate,
  revokeTestCertificate,
  writeTestCrl,
} from "../../../src/server/test-ca.ts";
import { useTempDir } from "../../support/temp-dir.ts";

const tempDir = useTempDir("certchat-client-trust-");
let cas = 0;

/** A new test CA: its folder and the fingerprint of its certificate. */
async function newCa(): Promise<{ dir: string; file: string; fingerprint: string }> {
  const dir = join(await tempDir(), `ca-${++cas}`);
  await createTestCa(dir);
  const file = join(dir, CA_CERT_FILE);
  return {
    dir,
    file,
    fingerprint: parseCertificate(decodeCertificateText(await readFile(file))).fingerprint,
  };
}

/** Runs `body` with `variable` set to `value`, restoring it after. */
function withEnv(variable: string, value: string, body: () => void): void {
  const saved = process.env[variable];
  process.env[variable] = value;
  try {
    body();
  } finally {
    if (saved === undefined) delete process.env[variable];
    else process.env[variable] = saved;
  }
}

function anchorsOf(setting: Awaited<ReturnType<typeof clientTrust>>) {
  if (!("anchors" in setting)) throw new Error("no anchors");
  return setting.anchors;
}

describe("CLI client trust", () => {
  it("reads every CA certificate of a PEM file", async () => {
    const [a, b] = [await newCa(), await newCa()];
    const both = join(await tempDir(), "both.pem");
    await writeFile(both, [await readFile(a.file, "utf8"), await readFile(b.file, "utf8")].join("\n"));
    const anchors = anchorsOf(await clientTrust(trustList(both), undefined));
    assert.deepEqual(
      anchors.anchors.map((anchor) => ("fingerprint" in anchor ? anchor.fingerprint : "")),
      [a.fingerprint, b.fingerprint],
    );
  });

  it("takes --trust before $CERTCHAT_CLIENT_TRUST, and the environment's when not given", () => {
    withEnv(CLIENT_TRUST_ENV, "from-env.pem", () => {
      assert.equal(trustList("given.pem"), resolve("given.pem"));
      assert.equal(trustList(), resolve("from-env.pem"));
    });
  });

  it("resolves each entry of a list and keeps each one's qualified: mark", () => {
    assert.equal(
      trustList("qualified:accredited, corporate.pem,qualified: other.pem"),
      [
        `qualified:${resolve("accredited")}`,
        resolve("corporate.pem"),
        `qualified:${resolve("other.pem")}`,
      ].join(","),
    );
    withEnv(CLIENT_TRUST_ENV, "qualified:from-env.pem", () => {
      assert.equal(trustList(), `qualified:${resolve("from-env.pem")}`);
    });
  });

  it("refuses an entry that names no file or folder", () => {
    assert.throws(() => trustList("qualified:,ca.pem"), /"qualified:" names no file or folder/);
  });

  it("marks the CAs of qualified: entries qualified and those of unmarked ones not, in one list", async () => {
    const [accredited, corporate] = [await newCa(), await newCa()];
    const anchors = anchorsOf(
      await clientTrust(trustList(`qualified:${accredited.file},${corporate.file}`), undefined),
    );
    assert.deepEqual(
      anchors.anchors.map((anchor) => ("fingerprint" in anchor ? anchor.fingerprint : "")),
      [accredited.fingerprint, corporate.fingerprint],
    );
    assert.deepEqual([...(anchors.qualified ?? [])], [accredited.fingerprint]);
  });

  it("takes a folder of CA certificates as an entry", async () => {
    const ca = await newCa();
    const folder = join(await tempDir(), "anchors");
    await mkdir(folder);
    await copyFile(ca.file, join(folder, "accredited.pem"));
    const anchors = anchorsOf(await clientTrust(trustList(folder), undefined));
    assert.deepEqual(
      anchors.anchors.map((anchor) => ("fingerprint" in anchor ? anchor.fingerprint : "")),
      [ca.fingerprint],
    );
  });

  it("refuses a PEM file without a certificate", async () => {
    const path = join(await tempDir(), "empty.pem");
    await writeFile(path, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    await assert.rejects(clientTrust(trustList(path), undefined), /no CERTIFICATE block/);
  });

  it("takes --crl before $CERTCHAT_CLIENT_CRL, resolving each path", () => {
    withEnv(CLIENT_CRL_ENV, "env.crl", () => {
      assert.equal(crlList("a.crl, crls"), [resolve("a.crl"), resolve("crls")].join(","));
      assert.equal(crlList(), resolve("env.crl"));
    });
  });

  it("a certificate a given CRL revokes counts for no one", async () => {
    const ca = await newCa();
    const user = await issueTestCertificate(ca.dir, { name: "Отозванов Пётр Петрович", alg: "ecdsa-p256" });
    await revokeTestCertificate(ca.dir, user.der);
    const crl = join(ca.dir, "revoked.crl");
    await writeTestCrl(ca.dir, crl);
    const withCrl = new CertificateTrust(await clientTrust(trustList(ca.file), crlList(crl)));
    const without = new CertificateTrust(await clientTrust(trustList(ca.file), undefined));
    assert.match(String(await withCrl.chainProblem(user.der)), /revoked/i);
    assert.equal(await without.chainProblem(user.der), undefined);
  });

  it("takes the folder certchat serve writes (certificate, key, CRL) as a trust entry and as a CRL entry", async () => {
    // ca.pem, ca-key.pem and crl.pem side by side: the key and the CRL made the whole trust fail (no CERTIFICATE
    // block), the certificate and the key the whole CRL list (no X509 CRL block), every command refused.
    const ca = await newCa();
    const user = await issueTestCertificate(ca.dir, { name: "Отозванов Пётр Петрович", alg: "ecdsa-p256" });
    await revokeTestCertificate(ca.dir, user.der);
    await writeTestCrl(ca.dir, join(ca.dir, "crl.pem"));
    const setting = await clientTrust(trustList(ca.dir), crlList(ca.dir));
    assert.deepEqual(
      anchorsOf(setting).anchors.map((anchor) => ("fingerprint" in anchor ? anchor.fingerprint : "")),
      [ca.fingerprint],
    );
    assert.match(String(await new CertificateTrust(setting).chainProblem(user.der)), /revoked/i);
  });

  it("still refuses a folder's PEM file that is neither what the entry reads nor a key, CRL or certificate", async () => {
    const folder = join(await tempDir(), "odd");
    await mkdir(folder);
    await writeFile(
      join(folder, "odd.pem"),
      "-----BEGIN TRUSTED CERTIFICATE-----\nAAAA\n-----END TRUSTED CERTIFICATE-----\n",
    );
    await assert.rejects(clientTrust(trustList(folder), undefined), /no CERTIFICATE block/);
  });

  /** What `body` writes to stderr. */
  async function stderrOf(body: () => Promise<unknown>): Promise<string> {
    const written: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      await body();
    } finally {
      process.stderr.write = write;
    }
    return written.join("");
  }

  it("warns at login of a CRL no CA of the list signed: it revokes nothing, and said so nowhere", async () => {
    const [trusted, other] = [await newCa(), await newCa()];
    const user = await issueTestCertificate(other.dir, { name: "Чужой Пётр Петрович", alg: "ecdsa-p256" });
    await revokeTestCertificate(other.dir, user.der);
    const foreign = join(other.dir, "other.crl");
    await writeTestCrl(other.dir, foreign);
    const own = join(trusted.dir, "own.crl");
    await writeTestCrl(trusted.dir, own);
    const warned = await stderrOf(() =>
      clientTrust(trustList(trusted.file), crlList(`${own},${foreign}`), true),
    );
    assert.match(warned, /other\.crl.*signed by no CA of the trust list/);
    assert.doesNotMatch(warned, /own\.crl/);
    // Later commands (warn off) stay quiet.
    assert.equal(await stderrOf(() => clientTrust(trustList(trusted.file), crlList(foreign))), "");
  });

  it("warns at login of CAs of one name with different keys, none marked qualified: their holders share dn: identities", async () => {
    const [first, second] = [await newCa(), await newCa()];
    const warned = await stderrOf(() =>
      clientTrust(trustList(`${first.file},${second.file}`), undefined, true),
    );
    assert.match(
      warned,
      /^certchat: CAs named .*CN=certchat Test CA.* share one dn: identity and profile key/,
    );
    assert.ok(warned.includes(`${first.fingerprint} (${first.file})`), warned);
    assert.ok(warned.includes(`${second.fingerprint} (${second.file})`), warned);
  });

  it("does not warn of CAs of one name that the list marks qualified (their holders are keyed by SNILS)", async () => {
    const [first, second] = [await newCa(), await newCa()];
    const marked = `qualified:${first.file},qualified:${second.file}`;
    assert.equal(await stderrOf(() => clientTrust(trustList(marked), undefined, true)), "");
  });

  it("warns at login that CRLs without trust anchors revoke nothing", async () => {
    const ca = await newCa();
    const crl = join(ca.dir, "own.crl");
    await writeTestCrl(ca.dir, crl);
    const saved = process.env[CLIENT_TRUST_ENV];
    delete process.env[CLIENT_TRUST_ENV];
    try {
      const warned = await stderrOf(() => clientTrust(undefined, crlList(crl), true));
      assert.match(warned, /CRLs are not read without trust anchors/);
    } finally {
      if (saved !== undefined) process.env[CLIENT_TRUST_ENV] = saved;
    }
  });

  it("a revoked certificate vouches for nothing undated (a key row), even once expired, nor signs a message", async () => {
    const ca = await newCa();
    const user = await issueTestCertificate(ca.dir, {
      name: "Истёкший Пётр Петрович",
      alg: "ecdsa-p256",
      // Within the test CA's own validity (from an hour ago).
      notBefore: new Date(Date.now() - 30 * 60_000),
      notAfter: new Date(Date.now() - 60_000),
    });
    await revokeTestCertificate(ca.dir, user.der);
    const crl = join(ca.dir, "revoked.crl");
    await writeTestCrl(ca.dir, crl);
    const trust = new CertificateTrust(await clientTrust(trustList(ca.file), crlList(crl)));
    assert.match(String(await trust.undatedChainProblem(user.der)), /revoked/i);
    assert.equal(await trust.identity(user.der), undefined);
    const sent = new Date(Date.now() - 10 * 60_000);
    assert.match(String((await trust.senderProblem(2, user.der, sent))?.problem), /revoked/i);
  });
});
