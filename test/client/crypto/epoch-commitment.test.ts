import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import type { ChatKey } from "../../../src/client/crypto/chat-key.ts";
import {
  commitmentSignedBytes,
  commitToKey,
  matchesCommitment,
  signCommitment,
  verifiedBinding,
} from "../../../src/client/crypto/epoch-commitment.ts";
import { signatureVerifier } from "../../../src/client/index.ts";
import { streebog256 } from "../../../src/crypto/gost/streebog.ts";
import { decodeBase64 } from "../../../src/protocol/base64.ts";
import { useTempDir } from "../../support/temp-dir.ts";
import { testSigners } from "../support.ts";
import { hex } from "./helpers.ts";

const signerOf = testSigners(useTempDir("certchat-epoch-commitment-"));
const verifier = signatureVerifier();
const epoch = { binding: "ab", keyId: 2 };
const aesKey: ChatKey = { kind: "aes-256-gcm", key: new Uint8Array(32).fill(0x11) };
const gostKey: ChatKey = {
  kind: "gost28147-cfb",
  key: new Uint8Array(32).fill(0x22),
  iv: new Uint8Array(8).fill(0x33),
};
/** "certchat epoch key v1" ‖ 00 ‖ "ab" ‖ 00 ‖ u64be(2), as docs/CRYPTO.md lays it out. */
const prefix = Buffer.concat([
  Buffer.from("certchat epoch key v1"),
  Buffer.from("00616200", "hex"),
  Buffer.from("0000000000000002", "hex"),
]);

describe("epoch key commitment", () => {
  it("is SHA-256 of the documented bytes for an AES key: domain, NUL, binding, NUL, u64be keyId, 0x01, key", () => {
    const expected = createHash("sha256")
      .update(prefix)
      .update(Uint8Array.of(0x01))
      .update(aesKey.key)
      .digest();
    assert.equal(hex(commitToKey(epoch, aesKey)), expected.toString("hex"));
  });

  it("is Streebog-256 of the documented bytes for a GOST key: …, 0x02, key ‖ IV", () => {
    if (gostKey.kind !== "gost28147-cfb") throw new Error("unreachable");
    const input = Buffer.concat([prefix, Uint8Array.of(0x02), gostKey.key, gostKey.iv]);
    assert.equal(hex(commitToKey(epoch, gostKey)), hex(streebog256(input)));
  });

  it("binds the chat, the epoch and the key: changing any one changes it", () => {
    const base = hex(commitToKey(epoch, aesKey));
    assert.notEqual(hex(commitToKey({ ...epoch, binding: "ac" }, aesKey)), base);
    assert.notEqual(hex(commitToKey({ ...epoch, keyId: 3 }, aesKey)), base);
    assert.notEqual(
      hex(commitToKey(epoch, { kind: "aes-256-gcm", key: new Uint8Array(32).fill(0x12) })),
      base,
    );
  });

  it("matches only the committed key", () => {
    const value = commitToKey(epoch, gostKey);
    assert.equal(matchesCommitment(epoch, gostKey, value), true);
    assert.equal(matchesCommitment(epoch, aesKey, value), false);
    assert.equal(matchesCommitment({ ...epoch, keyId: 1 }, gostKey, value), false);
  });

  it("signs the documented bytes: its own domain, NUL, binding, NUL, u64be keyId, the value", () => {
    const value = new Uint8Array(32).fill(0xaa);
    assert.equal(
      hex(commitmentSignedBytes(epoch, value)),
      `${hex(new TextEncoder().encode("certchat epoch commitment v1"))}00616200` +
        "0000000000000002" +
        "aa".repeat(32),
    );
  });

  for (const alg of ["gost2012-256", "ecdsa-p256"] as const) {
    it(`a ${alg} creator's signature verifies for its chat and epoch only`, async () => {
      const creator = await signerOf(alg);
      const signed = await signCommitment(creator, epoch, aesKey);
      const value = decodeBase64(signed.value) as Uint8Array;
      const signature = decodeBase64(signed.sign) as Uint8Array;
      assert.deepEqual(value, commitToKey(epoch, aesKey));
      const other = { binding: "other", keyId: 2 };
      assert.deepEqual(
        await verifiedBinding(verifier, creator.certificate, [other, epoch], value, signature),
        epoch,
      );
      assert.equal(
        await verifiedBinding(verifier, creator.certificate, [other], value, signature),
        undefined,
      );
      const stranger = await signerOf(alg);
      assert.equal(
        await verifiedBinding(verifier, stranger.certificate, [epoch], value, signature),
        undefined,
      );
    });
  }
});
