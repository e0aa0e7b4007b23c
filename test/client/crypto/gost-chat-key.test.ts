import assert from "node:assert/strict";
import { test } from "node:test";
import {
  GOST_CHAT_KEY_BLOB_BYTES,
  unwrapGostChatKey,
  wrapGostChatKey,
} from "../../../src/client/crypto/gost-chat-key.ts";
import { curveByOid } from "../../../src/crypto/gost/curves.ts";
import { generateGostKeyPair, parseGostPublicKey } from "../../../src/crypto/gost/gost3410.ts";
import { readVectorJson } from "../../support/vectors.ts";
import { fromHex, hex } from "./helpers.ts";

interface KeyWrapVector {
  id: string;
  ukm: string;
  cek: string;
  cek_enc: string;
  cek_mac: string;
  content: { iv: string };
  kek_derivation: { recipient_private_key_be: string; peer_public_key: string };
}

const { vectors } = readVectorJson<{ vectors: KeyWrapVector[] }>("gost-legacy/gost_keywrap.json");

/**
 * TK26 CMS KeyAgreeRecipientInfo examples: VKO_GOSTR3410_2012_256 + the RFC 4357 §6.1 wrap under param-Z,
 * exactly the chat-key scheme. Their recipient's key and the originator's key stand in for our two parties.
 */
const KARI = [
  { id: "tk26cms-kari-256", curveOid: "1.2.643.2.2.36.0" },
  { id: "tk26cms-kari-512", curveOid: "1.2.643.7.1.2.1.2.2" },
].map(({ id, curveOid }) => {
  const v = vectors.find((candidate) => candidate.id === id);
  if (!v) throw new Error(`missing vector ${id}`);
  const curve = curveByOid(curveOid);
  return {
    v,
    curve,
    privateKey: BigInt(`0x${v.kek_derivation.recipient_private_key_be}`),
    peerPublicKey: parseGostPublicKey(fromHex(v.kek_derivation.peer_public_key), curve),
  };
});

const HEADER = "01200000" + "1e660000" + "fd514a37" + "1e660000";
const PARAM_Z = "300b06092a8503070102050101";

function kariBlob(index: 0 | 1): { blob: Uint8Array; fixture: (typeof KARI)[number] } {
  const fixture = KARI[index];
  if (!fixture) throw new Error("no fixture");
  const { v, curve, privateKey, peerPublicKey } = fixture;
  const blob = wrapGostChatKey({
    senderPrivateKey: privateKey,
    senderCurve: curve,
    recipientPublicKey: peerPublicKey,
    chatKey: fromHex(v.cek),
    iv: fromHex(v.content.iv),
    ukm: fromHex(v.ukm),
  });
  return { blob, fixture };
}

test("a chat key blob is laid out byte for byte as the Android client's (TK26 KARI-256 keys and UKM)", () => {
  const { blob, fixture } = kariBlob(0);
  const { v } = fixture;
  assert.equal(blob.length, 89);
  assert.equal(GOST_CHAT_KEY_BLOB_BYTES, 89);
  assert.equal(hex(blob.subarray(0, 4)), "49000000", "u32le 73 = SIMPLEBLOB length");
  assert.equal(hex(blob.subarray(4, 20)), HEADER, "BLOBHEADER + CRYPT_SIMPLEBLOB_HEADER");
  assert.equal(hex(blob.subarray(20, 28)), v.ukm, "UKM");
  assert.equal(hex(blob.subarray(28, 60)), v.cek_enc, "encrypted key as published in the CMS example");
  assert.equal(hex(blob.subarray(60, 64)), v.cek_mac, "MAC as published in the CMS example");
  assert.equal(hex(blob.subarray(64, 77)), PARAM_Z, "Gost28147-89-BlobParameters { param-Z }");
  assert.equal(hex(blob.subarray(77, 81)), "08000000", "u32le 8 = IV length");
  assert.equal(hex(blob.subarray(81, 89)), v.content.iv, "IV");
});

test("the 512-bit TK26 KARI keys give the published encrypted key and MAC too", () => {
  const { blob, fixture } = kariBlob(1);
  assert.equal(hex(blob.subarray(28, 64)), fixture.v.cek_enc + fixture.v.cek_mac);
});

test("the recipient side unwraps a blob built from the TK26 KARI-256 example with the originator's key", () => {
  const { blob, fixture } = kariBlob(0);
  const unwrapped = unwrapGostChatKey({
    recipientPrivateKey: fixture.privateKey,
    wrappingCertificatePublicKey: fixture.peerPublicKey,
    blob,
  });
  assert.equal(hex(unwrapped.chatKey), fixture.v.cek);
  assert.equal(hex(unwrapped.iv), fixture.v.content.iv);
});

const ROUND_TRIP_CURVES = [
  ["1.2.643.7.1.2.1.1.2", "2012-256 on CryptoPro-A (tc26-256-B)"],
  ["1.2.643.2.2.36.0", "2012-256 on CryptoPro-XchA"],
  ["1.2.643.7.1.2.1.1.1", "2012-256 on tc26-256-A (cofactor 4)"],
  ["1.2.643.7.1.2.1.2.1", "2012-512 on tc26-512-A"],
  ["1.2.643.7.1.2.1.2.2", "2012-512 on tc26-512-B"],
  ["1.2.643.7.1.2.1.2.3", "2012-512 on tc26-512-C (cofactor 4)"],
] as const;

for (const [oid, label] of ROUND_TRIP_CURVES) {
  test(`a chat key wrapped by one GOST key (${label}) unwraps with the recipient's key`, () => {
    const curve = curveByOid(oid);
    const sender = generateGostKeyPair(curve);
    const recipient = generateGostKeyPair(curve);
    const chatKey = new Uint8Array(32).map((_, i) => i + 1);
    const iv = fromHex("0011223344556677");
    const blob = wrapGostChatKey({
      senderPrivateKey: sender.privateKey,
      senderCurve: curve,
      recipientPublicKey: recipient.publicKey,
      chatKey,
      iv,
    });
    const unwrapped = unwrapGostChatKey({
      recipientPrivateKey: recipient.privateKey,
      wrappingCertificatePublicKey: sender.publicKey,
      blob,
    });
    assert.equal(hex(unwrapped.chatKey), hex(chatKey));
    assert.equal(hex(unwrapped.iv), hex(iv));
  });
}

test("a blob wrapped for oneself (import) unwraps with the own key and own certificate", () => {
  const curve = curveByOid("1.2.643.7.1.2.1.1.2");
  const own = generateGostKeyPair(curve);
  const chatKey = new Uint8Array(32).fill(7);
  const blob = wrapGostChatKey({
    senderPrivateKey: own.privateKey,
    senderCurve: curve,
    recipientPublicKey: own.publicKey,
    chatKey,
    iv: new Uint8Array(8).fill(9),
  });
  const unwrapped = unwrapGostChatKey({
    recipientPrivateKey: own.privateKey,
    wrappingCertificatePublicKey: own.publicKey,
    blob,
  });
  assert.equal(hex(unwrapped.chatKey), hex(chatKey));
});

test("two wraps of the same chat key use different random UKMs", () => {
  const curve = curveByOid("1.2.643.7.1.2.1.1.2");
  const a = generateGostKeyPair(curve);
  const params = {
    senderPrivateKey: a.privateKey,
    senderCurve: curve,
    recipientPublicKey: a.publicKey,
    chatKey: new Uint8Array(32),
    iv: new Uint8Array(8),
  };
  assert.notEqual(
    hex(wrapGostChatKey(params).subarray(20, 28)),
    hex(wrapGostChatKey(params).subarray(20, 28)),
  );
});

test("unwrapping a blob with a flipped MAC bit fails with a clear error", () => {
  const { blob, fixture } = kariBlob(0);
  blob[63] = (blob[63] ?? 0) ^ 0x01;
  assert.throws(
    () =>
      unwrapGostChatKey({
        recipientPrivateKey: fixture.privateKey,
        wrappingCertificatePublicKey: fixture.peerPublicKey,
        blob,
      }),
    /GOST chat key blob: the MAC does not verify/,
  );
});

test("unwrapping with another recipient's key fails with the MAC error", () => {
  const { blob, fixture } = kariBlob(0);
  const stranger = generateGostKeyPair(fixture.curve);
  assert.throws(
    () =>
      unwrapGostChatKey({
        recipientPrivateKey: stranger.privateKey,
        wrappingCertificatePublicKey: fixture.peerPublicKey,
        blob,
      }),
    /the MAC does not verify/,
  );
});

test("a blob naming another parameter set (CryptoPro-A, 71-byte SIMPLEBLOB) is refused as unsupported", () => {
  const { blob, fixture } = kariBlob(0);
  const cryptoProA = fromHex("300906072a850302021f01");
  const other = new Uint8Array([
    ...fromHex("47000000"),
    ...blob.subarray(4, 64),
    ...cryptoProA,
    ...blob.subarray(77),
  ]);
  assert.throws(
    () =>
      unwrapGostChatKey({
        recipientPrivateKey: fixture.privateKey,
        wrappingCertificatePublicKey: fixture.peerPublicKey,
        blob: other,
      }),
    /unsupported encryption parameter set/,
  );
});

test("a blob with a foreign header is refused before any key agreement", () => {
  const { blob, fixture } = kariBlob(0);
  blob[4] = 0x07; // PRIVATEKEYBLOB instead of SIMPLEBLOB
  assert.throws(
    () =>
      unwrapGostChatKey({
        recipientPrivateKey: fixture.privateKey,
        wrappingCertificatePublicKey: fixture.peerPublicKey,
        blob,
      }),
    /not a CryptoPro SIMPLEBLOB/,
  );
});

test("a truncated blob is refused", () => {
  const { blob, fixture } = kariBlob(0);
  assert.throws(
    () =>
      unwrapGostChatKey({
        recipientPrivateKey: fixture.privateKey,
        wrappingCertificatePublicKey: fixture.peerPublicKey,
        blob: blob.subarray(0, 88),
      }),
    /IV must be 8 bytes and end the blob/,
  );
});

test("wrapping refuses a chat key or IV of the wrong size", () => {
  const { fixture } = kariBlob(0);
  const base = {
    senderPrivateKey: fixture.privateKey,
    senderCurve: fixture.curve,
    recipientPublicKey: fixture.peerPublicKey,
  };
  assert.throws(
    () => wrapGostChatKey({ ...base, chatKey: new Uint8Array(16), iv: new Uint8Array(8) }),
    /chat key must be 32 bytes, got 16/,
  );
  assert.throws(
    () => wrapGostChatKey({ ...base, chatKey: new Uint8Array(32), iv: new Uint8Array(12) }),
    /chat IV must be 8 bytes, got 12/,
  );
});
