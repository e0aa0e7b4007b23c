import assert from "node:assert/strict";
import { test } from "node:test";
import { certificatePublicKey } from "../../../src/client/crypto/certificate.ts";
import { type ChatKey, generateChatKey } from "../../../src/client/crypto/chat-key.ts";
import {
  type StandardWrapScheme,
  unwrapStandardChatKey,
  wrapStandardChatKey,
} from "../../../src/client/crypto/standard-chat-key.ts";
import { hex } from "./helpers.ts";
import { type StandardKind, standardIdentity } from "./identities.ts";

const SCHEMES: readonly [StandardKind, StandardWrapScheme, number][] = [
  ["P-256", "ecdh-p256-hkdf-aeskw", 0x01],
  ["P-384", "ecdh-p384-hkdf-aeskw", 0x02],
  ["RSA-2048", "rsa-oaep-sha256", 0x03],
  ["Ed25519", "x25519-hkdf-aeskw", 0x04],
  ["P-521", "ecdh-p521-hkdf-aeskw", 0x05],
];

/** Size after the 2-byte header for a 40-byte (GOST) chat key. */
const BODY_BYTES: Record<StandardKind, number> = {
  "P-256": 65 + 48,
  "P-384": 97 + 48,
  "RSA-2048": 256,
  Ed25519: 32 + 48,
  "P-521": 133 + 48,
};

function assertSameChatKey(actual: ChatKey, expected: ChatKey): void {
  assert.equal(actual.kind, expected.kind);
  assert.equal(hex(actual.key), hex(expected.key));
  if (actual.kind === "gost28147-cfb" && expected.kind === "gost28147-cfb") {
    assert.equal(hex(actual.iv), hex(expected.iv));
  }
}

for (const [kind, scheme, tag] of SCHEMES) {
  for (const chatKeyKind of ["aes-256-gcm", "gost28147-cfb"] as const) {
    test(`${scheme} round-trips a ${chatKeyKind} chat key for a ${kind} certificate`, async () => {
      const recipient = await standardIdentity(kind);
      const chatKey = generateChatKey(chatKeyKind);
      const wrapped = await wrapStandardChatKey(scheme, certificatePublicKey(recipient.certificate), chatKey);
      assertSameChatKey(await unwrapStandardChatKey(wrapped, recipient.ownKey.pkcs8), chatKey);
    });
  }

  test(`${scheme} wrapped keys start with scheme tag 0x0${tag} and the chat key kind`, async () => {
    const recipient = await standardIdentity(kind);
    const wrapped = await wrapStandardChatKey(
      scheme,
      certificatePublicKey(recipient.certificate),
      generateChatKey("gost28147-cfb"),
    );
    assert.equal(wrapped[0], tag);
    assert.equal(wrapped[1], 0x02);
    assert.equal(wrapped.length, 2 + BODY_BYTES[kind]);
  });

  test(`${scheme} unwrap with another ${kind} key fails with a clear error`, async () => {
    const recipient = await standardIdentity(kind);
    const stranger = await standardIdentity(kind);
    const wrapped = await wrapStandardChatKey(
      scheme,
      certificatePublicKey(recipient.certificate),
      generateChatKey("aes-256-gcm"),
    );
    await assert.rejects(
      unwrapStandardChatKey(wrapped, stranger.ownKey.pkcs8),
      /not wrapped for this private key/,
    );
  });

  test(`${scheme} unwrap fails when the chat key kind byte is altered`, async () => {
    const recipient = await standardIdentity(kind);
    const wrapped = await wrapStandardChatKey(
      scheme,
      certificatePublicKey(recipient.certificate),
      generateChatKey("aes-256-gcm"),
    );
    wrapped[1] = 0x02;
    await assert.rejects(unwrapStandardChatKey(wrapped, recipient.ownKey.pkcs8), /was altered/);
  });
}

test("a wrapped key with an unknown scheme tag is refused", async () => {
  const recipient = await standardIdentity("P-256");
  await assert.rejects(
    unwrapStandardChatKey(Uint8Array.of(0x49, 0x01, 0, 0), recipient.ownKey.pkcs8),
    /unknown wrapped chat key scheme tag 0x49/,
  );
});
