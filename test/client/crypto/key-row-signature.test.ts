import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  createBinding,
  type KeyRowFields,
  KeyRowSignatureRejected,
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

  it("an epoch-1 GOST row without a signature (v1 createChat) is reported unsigned, not verified", async () => {
    const wrapper = await signerOf("gost2012-256");
    // A GOST blob starts with 0x49, the low byte of its SIMPLEBLOB length.
    const gostRow = { ...row, keyId: 1, wrappedKey: Uint8Array.of(0x49, 0, 0, 0, 1) };
    for (const sign of [null, undefined, ""]) {
      assert.equal(await verifyKeyRow(verifier, wrapper.certificate, gostRow, sign), "unsigned");
    }
  });

  it("an epoch-1 standard wrap without a signature is refused: v1 clients wrap GOST blobs only", async () => {
    const wrapper = await signerOf("ecdsa-p256");
    // Tag 0x01: an ephemeral ECDH wrap, which anyone (the server) can make for the recipient.
    const standardRow = { ...row, keyId: 1, wrappedKey: Uint8Array.of(0x01, 0x01, 3, 4, 5) };
    for (const sign of [null, undefined, ""]) {
      await assert.rejects(
        verifyKeyRow(verifier, wrapper.certificate, standardRow, sign),
        (error: unknown) => error instanceof KeyRowSignatureRejected && /not signed/.test(error.message),
      );
    }
  });

  it("a row of a later epoch without a signature is refused (its sign stripped by the server)", async () => {
    const wrapper = await signerOf("ecdsa-p256");
    for (const sign of [null, undefined, ""]) {
      await assert.rejects(
        verifyKeyRow(verifier, wrapper.certificate, { ...row, keyId: 2 }, sign),
        /not signed/,
      );
    }
  });

  it("a signature that is not base64 is refused", async () => {
    const wrapper = await signerOf("ecdsa-p256");
    await assert.rejects(verifyKeyRow(verifier, wrapper.certificate, row, "not base64!"), /not base64/);
  });

  it("createChat's epoch-1 rows, signed over the chat's type and name, verify for epoch 1 only", async () => {
    const wrapper = await signerOf("ecdsa-p256");
    const binding = createBinding(1, "Отдел");
    const first = { ...row, keyId: 1 };
    const sign = await signKeyRow(wrapper, { ...first, chatId: binding });
    assert.equal(await verifyKeyRow(verifier, wrapper.certificate, first, sign, [binding]), "verified");
    const later = { ...row, keyId: 2 };
    const laterSign = await signKeyRow(wrapper, { ...later, chatId: binding });
    await assert.rejects(
      verifyKeyRow(verifier, wrapper.certificate, later, laterSign, [binding]),
      /does not verify/,
    );
  });

  it("a createChat row does not verify as the key of a chat of another name or type", async () => {
    const wrapper = await signerOf("ecdsa-p256");
    const first = { ...row, keyId: 1 };
    const sign = await signKeyRow(wrapper, { ...first, chatId: createBinding(1, "Отдел") });
    for (const other of [
      createBinding(1, "Бухгалтерия"),
      createBinding(2, "Отдел"),
      createBinding(0, null),
    ]) {
      await assert.rejects(
        verifyKeyRow(verifier, wrapper.certificate, first, sign, [other]),
        /does not verify/,
      );
    }
  });
});
