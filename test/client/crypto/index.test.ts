import assert from "node:assert/strict";
import { test } from "node:test";
import {
  certificatePublicKey,
  chooseScheme,
  decryptContent,
  encryptContent,
  generateChatKey,
  unwrapChatKey,
  wrapChatKeyFor,
} from "../../../src/client/crypto/index.ts";
import { readPemVector } from "../../crypto/gost/certificate-parts.ts";
import { hex, utf8 } from "./helpers.ts";
import { gostIdentity, type StandardKind, standardIdentity } from "./identities.ts";

test("chooseScheme maps each supported certificate key algorithm to its wrapping scheme", () => {
  const cases: [string, string | undefined, string][] = [
    ["1.2.643.7.1.1.1.1", "1.2.643.7.1.2.1.1.2", "gost-simpleblob-vko2012"],
    ["1.2.643.7.1.1.1.2", "1.2.643.7.1.2.1.2.1", "gost-simpleblob-vko2012"],
    ["1.2.643.2.2.19", "1.2.643.2.2.35.1", "gost-simpleblob-vko2001"],
    ["1.2.840.10045.2.1", "1.2.840.10045.3.1.7", "ecdh-p256-hkdf-aeskw"],
    ["1.2.840.10045.2.1", "1.3.132.0.34", "ecdh-p384-hkdf-aeskw"],
    ["1.2.840.10045.2.1", "1.3.132.0.35", "ecdh-p521-hkdf-aeskw"],
    ["1.2.840.113549.1.1.1", undefined, "rsa-oaep-sha256"],
    ["1.3.101.112", undefined, "x25519-hkdf-aeskw"],
  ];
  for (const [algorithmOid, parameterOid, scheme] of cases) {
    assert.equal(chooseScheme({ algorithmOid, ...(parameterOid ? { parameterOid } : {}) }), scheme);
  }
});

test("chooseScheme refuses other EC curves (secp256k1), RSA-PSS keys and unknown algorithms", () => {
  assert.throws(
    () => chooseScheme({ algorithmOid: "1.2.840.10045.2.1", parameterOid: "1.3.132.0.10" }),
    /EC curve 1.3.132.0.10; only P-256, P-384 and P-521/,
  );
  assert.throws(
    () => chooseScheme({ algorithmOid: "1.2.840.113549.1.1.10" }),
    /key algorithm 1.2.840.113549.1.1.10/,
  );
});

test("a real GOST R 34.10-2001 certificate (RFC 4491) selects the VKO 2001 blob", () => {
  const key = certificatePublicKey(readPemVector("gost-legacy/certs/rfc4491_gost2001_cert.pem"));
  assert.equal(key.algorithmOid, "1.2.643.2.2.19");
  assert.equal(chooseScheme(key), "gost-simpleblob-vko2001");
});

const GOST_SETS = [
  ["1.2.643.7.1.2.1.1.2", "GOST 2012-256 on CryptoPro-A"],
  ["1.2.643.2.2.36.0", "GOST 2012-256 on CryptoPro-XchA"],
  ["1.2.643.7.1.2.1.1.1", "GOST 2012-256 on tc26-256-A"],
  ["1.2.643.7.1.2.1.2.1", "GOST 2012-512 on tc26-512-A"],
  ["1.2.643.7.1.2.1.2.3", "GOST 2012-512 on tc26-512-C"],
] as const;

for (const [oid, label] of GOST_SETS) {
  test(`${label}: a chat key wrapped for a member's certificate unwraps with the member's key and the wrapping certificate`, async () => {
    const sender = gostIdentity(oid);
    const member = gostIdentity(oid);
    const chatKey = generateChatKey("gost28147-cfb");
    const wrappedKey = await wrapChatKeyFor({
      chatKey,
      recipientCertificate: member.certificate,
      senderKey: sender.ownKey,
    });
    assert.equal(wrappedKey.length, 89);
    const unwrapped = await unwrapChatKey({
      wrappedKey,
      ownKey: member.ownKey,
      wrappingCertificate: sender.certificate,
    });
    assert.deepEqual(unwrapped, chatKey);
  });
}

test("GOST import: a key wrapped for one's own certificate unwraps with the own certificate as wrapper", async () => {
  const own = gostIdentity("1.2.643.7.1.2.1.1.2");
  const chatKey = generateChatKey("gost28147-cfb");
  const wrappedKey = await wrapChatKeyFor({
    chatKey,
    recipientCertificate: own.certificate,
    senderKey: own.ownKey,
  });
  assert.deepEqual(
    await unwrapChatKey({ wrappedKey, ownKey: own.ownKey, wrappingCertificate: own.certificate }),
    chatKey,
  );
});

test("GOST unwrap by a member who is not the recipient fails with the MAC error", async () => {
  const sender = gostIdentity("1.2.643.7.1.2.1.1.2");
  const member = gostIdentity("1.2.643.7.1.2.1.1.2");
  const stranger = gostIdentity("1.2.643.7.1.2.1.1.2");
  const wrappedKey = await wrapChatKeyFor({
    chatKey: generateChatKey("gost28147-cfb"),
    recipientCertificate: member.certificate,
    senderKey: sender.ownKey,
  });
  await assert.rejects(
    unwrapChatKey({ wrappedKey, ownKey: stranger.ownKey, wrappingCertificate: sender.certificate }),
    /MAC does not verify/,
  );
});

test("wrapping for a GOST certificate refuses an AES chat key", async () => {
  const sender = gostIdentity("1.2.643.7.1.2.1.1.2");
  await assert.rejects(
    wrapChatKeyFor({
      chatKey: generateChatKey("aes-256-gcm"),
      recipientCertificate: sender.certificate,
      senderKey: sender.ownKey,
    }),
    /can only receive a GOST chat key/,
  );
});

test("wrapping for a GOST certificate without a sender GOST key is refused", async () => {
  const member = gostIdentity("1.2.643.7.1.2.1.1.2");
  await assert.rejects(
    wrapChatKeyFor({ chatKey: generateChatKey("gost28147-cfb"), recipientCertificate: member.certificate }),
    /needs the sender's GOST private key/,
  );
});

test("wrapping for a GOST certificate on another curve than the sender's is refused", async () => {
  const sender = gostIdentity("1.2.643.7.1.2.1.1.2");
  const member = gostIdentity("1.2.643.7.1.2.1.1.1");
  await assert.rejects(
    wrapChatKeyFor({
      chatKey: generateChatKey("gost28147-cfb"),
      recipientCertificate: member.certificate,
      senderKey: sender.ownKey,
    }),
    /VKO: the peer's key is on/,
  );
});

test("unwrapping a GOST key needs the wrapping certificate", async () => {
  const own = gostIdentity("1.2.643.7.1.2.1.1.2");
  await assert.rejects(
    unwrapChatKey({ wrappedKey: new Uint8Array(89), ownKey: own.ownKey }),
    /needs the wrapping certificate/,
  );
});

const STANDARD_KINDS: readonly StandardKind[] = ["P-256", "P-384", "P-521", "RSA-2048", "Ed25519"];

for (const kind of STANDARD_KINDS) {
  test(`${kind}: a chat key wrapped for the certificate unwraps with its PKCS#8 key`, async () => {
    const member = await standardIdentity(kind);
    const chatKey = generateChatKey("aes-256-gcm");
    const wrappedKey = await wrapChatKeyFor({ chatKey, recipientCertificate: member.certificate });
    assert.deepEqual(await unwrapChatKey({ wrappedKey, ownKey: member.ownKey }), chatKey);
  });
}

test("a mixed chat: one GOST chat key reaches a GOST member and an ECDSA member", async () => {
  const sender = gostIdentity("1.2.643.7.1.2.1.1.2");
  const ecdsaMember = await standardIdentity("P-256");
  const chatKey = generateChatKey("gost28147-cfb");
  const forEcdsa = await wrapChatKeyFor({ chatKey, recipientCertificate: ecdsaMember.certificate });
  const forSelf = await wrapChatKeyFor({
    chatKey,
    recipientCertificate: sender.certificate,
    senderKey: sender.ownKey,
  });
  const viaEcdsa = await unwrapChatKey({ wrappedKey: forEcdsa, ownKey: ecdsaMember.ownKey });
  const viaGost = await unwrapChatKey({
    wrappedKey: forSelf,
    ownKey: sender.ownKey,
    wrappingCertificate: sender.certificate,
  });
  assert.deepEqual(viaEcdsa, chatKey);
  assert.deepEqual(viaGost, chatKey);
});

for (const kind of ["gost28147-cfb", "aes-256-gcm"] as const) {
  test(`encryptContent and decryptContent round-trip with a ${kind} chat key`, async () => {
    const chatKey = generateChatKey(kind);
    const plaintext = utf8("Встреча в 10:00");
    const ciphertext = await encryptContent(chatKey, plaintext);
    assert.equal(
      ciphertext.length,
      kind === "gost28147-cfb" ? plaintext.length : 1 + 12 + plaintext.length + 16,
    );
    assert.equal(hex(await decryptContent(chatKey, ciphertext)), hex(plaintext));
  });
}
