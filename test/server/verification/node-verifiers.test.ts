import assert from "node:assert/strict";
import { createPrivateKey } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { before, test } from "node:test";
import * as asn1js from "asn1js";
import { type ParsedCertificate, parseCertificate } from "../../../src/pki/certificate.ts";
import { createPki } from "../../../src/pki/create-pki.ts";
import {
  CA_KEY_FILE,
  createTestCa,
  type IssueAlgorithm,
  issueTestCertificate,
} from "../../../src/server/test-ca.ts";
import { createServerPki } from "../../../src/server/verification/server-pki.ts";
import { leafCertificate } from "../../support/pki.ts";
import { signRawForTest } from "../../support/raw-sign.ts";
import { useTempDir } from "../../support/temp-dir.ts";

const tempDir = useTempDir();
const data = new TextEncoder().encode("same answers");
const ALGORITHMS: IssueAlgorithm[] = ["ecdsa-p256", "rsa-2048", "ed25519"];
const issued = new Map<IssueAlgorithm, { cert: ParsedCertificate; keyPem: string }>();
const portable = createPki();
const server = createServerPki();

let caDir = "";

before(async () => {
  caDir = join(await tempDir(), "ca");
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

/** A certificate of the test CA whose EC key is `point` as written, under the P-256 holder's key algorithm. */
async function certificateWithPoint(point: Uint8Array): Promise<ParsedCertificate> {
  const holder = issued.get("ecdsa-p256");
  assert.ok(holder);
  const algorithm = holder.cert.certificate.subjectPublicKeyInfo.algorithm.toSchema();
  const spki = new asn1js.Sequence({ value: [algorithm, new asn1js.BitString({ valueHex: point })] });
  const caKey = createPrivateKey(await readFile(join(caDir, CA_KEY_FILE), "utf8"));
  const der = await leafCertificate({
    subject: "Holder of an odd point",
    spki: new Uint8Array(spki.toBER(false)),
    issuerKey: caKey,
  });
  return parseCertificate(der);
}

test("an ECDSA key at infinity is refused by the server's verifier, without taking the process down", async () => {
  const holder = issued.get("ecdsa-p256");
  assert.ok(holder);
  const cert = await certificateWithPoint(new Uint8Array([0x00]));
  const signature = signRawForTest(holder.keyPem, data, "raw");
  assert.equal((await server.verifyRawSignature(cert, data, signature)).valid, false);
});

test("an ECDSA key written as a hybrid point (0x06/0x07) verifies nothing on the server, as in the SDK", async () => {
  const holder = issued.get("ecdsa-p256");
  assert.ok(holder);
  const point = holder.cert.certificate.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView;
  const hybrid = new Uint8Array(point);
  hybrid[0] = 0x06 | ((point.at(-1) ?? 0) & 1);
  const cert = await certificateWithPoint(hybrid);
  const signature = signRawForTest(holder.keyPem, data, "raw");
  assert.equal((await server.verifyRawSignature(cert, data, signature)).valid, false);
  assert.equal((await portable.verifyRawSignature(cert, data, signature)).valid, false);
});
