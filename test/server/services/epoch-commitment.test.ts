import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ApiError } from "../../../src/protocol/errors.ts";
import { commitmentView, decodeCommitment } from "../../../src/server/services/epoch-commitment.ts";
import type { ChatKeyForCertificate } from "../../../src/server/storage/repositories/chat-keys.ts";

const value32 = Buffer.alloc(32, 7).toString("base64");
const isInvalidSchema = (error: unknown) => error instanceof ApiError && error.code === "InvalidSchema";

describe("epoch commitment (server)", () => {
  it("decodes a 32-byte value and keeps the sign as sent, signed by the given certificate", () => {
    assert.deepEqual(decodeCommitment({ value: value32, sign: "c2lnbg==" }, 9), {
      value: new Uint8Array(32).fill(7),
      sign: "c2lnbg==",
      certificateId: 9,
    });
  });

  it("takes null or absent as no commitment", () => {
    assert.equal(decodeCommitment(null, 9), undefined);
    assert.equal(decodeCommitment(undefined, 9), undefined);
  });

  it("refuses with InvalidSchema a value that is not 32 bytes or a sign that is not base64", () => {
    for (const value of [Buffer.alloc(31).toString("base64"), Buffer.alloc(33).toString("base64"), "!!!!"])
      assert.throws(() => decodeCommitment({ value, sign: "c2lnbg==" }, 9), isInvalidSchema);
    assert.throws(() => decodeCommitment({ value: value32, sign: "!!!!" }, 9), isInvalidSchema);
  });

  it("serves the stored commitment with its signer's certificate, and null for an epoch without one", () => {
    const row = {
      commitment: new Uint8Array(32).fill(7),
      commitment_sign: "c2lnbg==",
      commitment_certificate_id: 9,
      commitment_der: Uint8Array.of(0x30, 0x00),
    } as ChatKeyForCertificate;
    assert.deepEqual(commitmentView(row), { value: value32, sign: "c2lnbg==", cert: "MAA=", by: 9 });
    assert.equal(
      commitmentView({
        ...row,
        commitment: null,
        commitment_sign: null,
        commitment_certificate_id: null,
        commitment_der: null,
      }),
      null,
    );
  });
});
