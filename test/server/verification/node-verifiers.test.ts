import assert from "node:assert/strict";
import { join } from "node:path";
import { before, test } from "node:test";
import { type ParsedCertificate, parseCertificate } from "../../../src/pki/certificate.ts";
import { createPki } from "../../../src/pki/create-pki.ts";
import { createTestCa, type IssueAlgorithm, issueTestCertificate } from "../../../src/server/test-ca.ts";
import { createServerPki } from "../../../src/server/verification/server-pki.ts";
import { signRawForTest } from "../../support/raw-sign.ts";
import { useTempDir } from "../../support/temp-dir.ts";

const tempDir = useTempDir();
const data = new TextEncoder().encode("same answers");
const ALGORITHMS: IssueAlgorithm[] = ["ecdsa-p256", "rsa-2048", "ed25519"];
const issued = new Map<IssueAlgorithm, { cert: ParsedCertificate; keyPem: string }>();
const portable = createPki();
const server = createServerPki();

before(async () => {
  const caDir = join(await tempDir(), "ca");
  await createTestCa(caDir);
  for (const alg of ALGORITHMS) {
    const { der, keyPem } = await issueTestCertificate(caDir, { name: "Узлов Узел", alg });
    issued.set(alg, { cert: parseCertificate(der), keyPem });
  }
});

for (const alg of ALGORITHMS) {
  test(`node:crypto and the portable verifiers give the same verdicts for ${alg}`, async () => {
    const holder = issued.get(alg);
    assert.ok(holder);
    const layouts = alg === "ecdsa-p256" ? (["der", "raw"] as const) : ([undefined] as const);
    for (const layout of layouts) {
      const signature = signRawForTest(holder.keyPem, data, layout);
      const tampered = signature.slice();
      tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 0x01;
      for (const [signed, bytes] of [
        [data, signature],
        [data, tampered],
        [data.subarray(1), signature],
      ] as const) {
        const fromServer = await server.verifyRawSignature(holder.cert, signed, bytes);
        assert.deepEqual(fromServer, await portable.verifyRawSignature(holder.cert, signed, bytes));
        assert.equal(fromServer.valid, signed === data && bytes === signature);
      }
    }
  });
}
