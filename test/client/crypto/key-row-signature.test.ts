import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  CREATE_CHAT_ID,
  type KeyRowFields,
  keyRowSignedBytes,
  signKeyRow,
  verifyKeyRow,
} from "../../../src/client/crypto/key-row-signature.ts";
import { signatureVerifier } from "../../../src/client/index.ts";
import { useTempDir } from "../../support/temp-dir.ts";
import { testSigners } from "../support.ts";
import { hex } from "./helpers.ts";

const signerOf = testSigners(useTempDir("certchat-key-row-"));
const verifier = signatureVerifier();
const row: KeyRowFields = {
  chatId: "0b7c5a52-8f0e-4a57-9d43-2f1d3c0e9a11",
  keyId: 3,
  cid: 42,
  wrappedKey: Uint8Array.of(1, 2, 3, 4, 5),
};

describe("key-row signature", () => {
  it("signs the documented bytes: domain, NUL, chat id, NUL, u64be keyId, u64be cid, wrapped key", () => {
    const bytes = keyRowSignedBytes({ chatId: "ab", keyId: 2, cid: 258, wrappedKey: Uint8Array.of(0xff) });
    assert.equal(
      hex(bytes),
      `${hex(new TextEncoder().encode("certchat key row v1"))}00616200` +
        "0000000000000002" +
        "0000000000000102" +
        "ff",
    );
  });

  for (const alg of ["gost2012-256", "ecdsa-p256"] as const) {
    it(`a row signed by a ${alg} wrapper verifies against its certificate`, async () => {
      const wrapper = await signerOf(alg);
      const sign = await signKeyRow(wrapper, row);
      assert.equal(await verifyKeyRow(verifier, wrapper.certificate, row, sign), "verified");
    });

    it(`a ${alg} signature over another epoch, recipient, chat or key is refused`, async () => {
      const wrapper = await signerOf(alg);
      const sign = await signKeyRow(wrapper, row);
      const altered: KeyRowFields[] = [
        { ...row, keyId: 4 },
        { ...row, cid: 43 },
        { ...row, chatId: "another-chat" },
        { ...row, wrappedKey: Uint8Array.of(1, 2, 3, 4, 6) },
      ];
      for (const other of altered) {
        await assert.rejects(verifyKeyRow(verifier, wrapper.certificate, other, sign), /does not verify/);
      }
    });
  }

  it("a signature by another certificate than the row's wrapper is refused", async () => {
    const [wrapper, impostor] = [await signerOf("ecdsa-p256"), await signerOf("ecdsa-p256")];
    const sign = await signKeyRow(impostor, row);
    await assert.rejects(verifyKeyRow(verifier, wrapper.certificate, row, sign), /does not verify/);
  });

  it("a row without a signature is reported unsigned, not verified", async () => {
    const wrapper = await signerOf("ecdsa-p256");
    for (const sign of [null, undefined, ""]) {
      assert.equal(await verifyKeyRow(verifier, wrapper.certificate, row, sign), "unsigned");
    }
  });

  it("a signature that is not base64 is refused", async () => {
    const wrapper = await signerOf("ecdsa-p256");
    await assert.rejects(verifyKeyRow(verifier, wrapper.certificate, row, "not base64!"), /not base64/);
  });

  it("createChat's epoch-1 rows, signed before the chat has an id, verify for epoch 1 only", async () => {
    const wrapper = await signerOf("ecdsa-p256");
    const first = { ...row, keyId: 1 };
    const sign = await signKeyRow(wrapper, { ...first, chatId: CREATE_CHAT_ID });
    assert.equal(await verifyKeyRow(verifier, wrapper.certificate, first, sign), "verified");
    const later = await signKeyRow(wrapper, { ...row, chatId: CREATE_CHAT_ID });
    await assert.rejects(verifyKeyRow(verifier, wrapper.certificate, row, later), /does not verify/);
  });
});
