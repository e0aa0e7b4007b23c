/**
 * Chat keys wrapped for ECDSA, RSA and Ed25519 certificates (our own format; see docs/CRYPTO.md):
 *
 *   byte 0  scheme tag (below); a new version of a scheme gets a new tag
 *   byte 1  chat key kind: 0x01 aes-256-gcm (32-byte key), 0x02 gost28147-cfb (32-byte key || 8-byte IV)
 *   then    ECDH / X25519: ephemeral public key || AES-KW(KEK, chat key material)
 *           RSA:           RSA-OAEP-SHA-256(chat key material), label = bytes 0..1
 *
 * KEK = HKDF-SHA-256(IKM = shared secret, salt = none, info = "certchat chat key v1" || bytes 0..1 ||
 * ephemeral public key), so the header cannot be swapped without breaking the unwrap. The sender is
 * anonymous here (ephemeral keys); messages are signed separately.
 */
import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { concatBytes, utf8ToBytes } from "@noble/hashes/utils.js";
import * as asn1js from "asn1js";
import {
  assertChatKey,
  CHAT_KEY_BYTES,
  type ChatKey,
  type ChatKeyKind,
  GOST_CHAT_IV_BYTES,
} from "./chat-key.ts";
import { bufferSource, subtle } from "./webcrypto.ts";

export type StandardWrapScheme =
  | "ecdh-p256-hkdf-aeskw"
  | "ecdh-p384-hkdf-aeskw"
  | "ecdh-p521-hkdf-aeskw"
  | "rsa-oaep-sha256"
  | "x25519-hkdf-aeskw";

export const STANDARD_SCHEME_TAGS: Readonly<Record<StandardWrapScheme, number>> = {
  "ecdh-p256-hkdf-aeskw": 0x01,
  "ecdh-p384-hkdf-aeskw": 0x02,
  "rsa-oaep-sha256": 0x03,
  "x25519-hkdf-aeskw": 0x04,
  "ecdh-p521-hkdf-aeskw": 0x05,
};

const CHAT_KEY_KIND_TAGS: Readonly<Record<ChatKeyKind, number>> = {
  "aes-256-gcm": 0x01,
  "gost28147-cfb": 0x02,
};

const EC_CURVES = {
  "ecdh-p256-hkdf-aeskw": { namedCurve: "P-256", secretBits: 256, publicKeyBytes: 65 },
  "ecdh-p384-hkdf-aeskw": { namedCurve: "P-384", secretBits: 384, publicKeyBytes: 97 },
  // The shared secret is the 66-byte x-coordinate (521 bits, left-padded): all 528 bits go into HKDF.
  "ecdh-p521-hkdf-aeskw": { namedCurve: "P-521", secretBits: 528, publicKeyBytes: 133 },
} as const;

const X25519_PUBLIC_KEY_BYTES = 32;
const HKDF_INFO_LABEL = utf8ToBytes("certchat chat key v1");
const HEADER_BYTES = 2;

export interface StandardRecipient {
  /** DER SubjectPublicKeyInfo of the recipient certificate (ECDSA and RSA keys). */
  readonly spki: Uint8Array;
  /** The raw public key (the 32-byte Ed25519 key for x25519-hkdf-aeskw). */
  readonly publicKeyBits: Uint8Array;
}

export async function wrapStandardChatKey(
  scheme: StandardWrapScheme,
  recipient: StandardRecipient,
  chatKey: ChatKey,
): Promise<Uint8Array> {
  assertChatKey(chatKey);
  const header = Uint8Array.of(STANDARD_SCHEME_TAGS[scheme], CHAT_KEY_KIND_TAGS[chatKey.kind]);
  const material = chatKeyMaterial(chatKey);
  switch (scheme) {
    case "ecdh-p256-hkdf-aeskw":
    case "ecdh-p384-hkdf-aeskw":
    case "ecdh-p521-hkdf-aeskw":
      return wrapWithEcdh(scheme, header, recipient.spki, material);
    case "x25519-hkdf-aeskw":
      return wrapWithX25519(header, recipient.publicKeyBits, material);
    case "rsa-oaep-sha256":
      return wrapWithRsa(header, recipient.spki, material);
  }
}

/**
 * Unwraps with the recipient's PKCS#8 private key (of the kind the scheme tag names). Throws a clear error
 * for an unknown tag, a malformed wrapped key, or one that was not wrapped for this key or was altered.
 */
export async function unwrapStandardChatKey(
  wrappedKey: Uint8Array,
  recipientPkcs8: Uint8Array,
): Promise<ChatKey> {
  const scheme = schemeOfTag(wrappedKey[0]);
  const kind = kindOfTag(wrappedKey[1]);
  const header = wrappedKey.subarray(0, HEADER_BYTES);
  const body = wrappedKey.subarray(HEADER_BYTES);
  let material: Uint8Array;
  try {
    switch (scheme) {
      case "ecdh-p256-hkdf-aeskw":
      case "ecdh-p384-hkdf-aeskw":
      case "ecdh-p521-hkdf-aeskw":
        material = await unwrapWithEcdh(scheme, header, body, recipientPkcs8);
        break;
      case "x25519-hkdf-aeskw":
        material = await unwrapWithX25519(header, body, recipientPkcs8);
        break;
      case "rsa-oaep-sha256":
        material = await unwrapWithRsa(header, body, recipientPkcs8);
        break;
    }
  } catch (cause) {
    throw new Error(
      `chat key unwrap (${scheme}) failed: not wrapped for this private key, or the wrapped key was altered`,
      { cause },
    );
  }
  return chatKeyFromMaterial(kind, material);
}

// ---- ECDH P-256 / P-384 / P-521 ------------------------------------------------------------------

async function wrapWithEcdh(
  scheme: keyof typeof EC_CURVES,
  header: Uint8Array,
  recipientSpki: Uint8Array,
  material: Uint8Array,
): Promise<Uint8Array> {
  const { namedCurve, secretBits } = EC_CURVES[scheme];
  const algorithm = { name: "ECDH", namedCurve };
  const recipient = await subtle().importKey("spki", bufferSource(recipientSpki), algorithm, false, []);
  const ephemeral = await subtle().generateKey(algorithm, true, ["deriveBits"]);
  const ephemeralPublic = new Uint8Array(await subtle().exportKey("raw", ephemeral.publicKey));
  const secret = await subtle().deriveBits(
    { name: "ECDH", public: recipient },
    ephemeral.privateKey,
    secretBits,
  );
  const kek = await deriveKek(new Uint8Array(secret), header, ephemeralPublic, "wrapKey");
  return concatBytes(header, ephemeralPublic, await aesKeyWrap(kek, material));
}

async function unwrapWithEcdh(
  scheme: keyof typeof EC_CURVES,
  header: Uint8Array,
  body: Uint8Array,
  recipientPkcs8: Uint8Array,
): Promise<Uint8Array> {
  const { namedCurve, secretBits, publicKeyBytes } = EC_CURVES[scheme];
  const algorithm = { name: "ECDH", namedCurve };
  const ephemeralPublic = body.subarray(0, publicKeyBytes);
  const ephemeral = await subtle().importKey("raw", bufferSource(ephemeralPublic), algorithm, false, []);
  const own = await subtle().importKey("pkcs8", bufferSource(recipientPkcs8), algorithm, false, [
    "deriveBits",
  ]);
  const secret = await subtle().deriveBits({ name: "ECDH", public: ephemeral }, own, secretBits);
  const kek = await deriveKek(new Uint8Array(secret), header, ephemeralPublic, "unwrapKey");
  return aesKeyUnwrap(kek, body.subarray(publicKeyBytes));
}

// ---- X25519 with the recipient's Ed25519 key --------------------------------------------------

async function wrapWithX25519(header: Uint8Array, recipientEd25519: Uint8Array, material: Uint8Array) {
  // The birational map sends the Ed25519 point to the same key pair's X25519 u-coordinate.
  const recipient = ed25519.utils.toMontgomery(recipientEd25519);
  const ephemeralSecret = x25519.utils.randomSecretKey();
  const ephemeralPublic = x25519.getPublicKey(ephemeralSecret);
  const secret = x25519.getSharedSecret(ephemeralSecret, recipient);
  const kek = await deriveKek(secret, header, ephemeralPublic, "wrapKey");
  return concatBytes(header, ephemeralPublic, await aesKeyWrap(kek, material));
}

async function unwrapWithX25519(header: Uint8Array, body: Uint8Array, recipientPkcs8: Uint8Array) {
  const ephemeralPublic = body.subarray(0, X25519_PUBLIC_KEY_BYTES);
  const own = ed25519.utils.toMontgomerySecret(ed25519SeedOf(recipientPkcs8));
  const secret = x25519.getSharedSecret(own, ephemeralPublic);
  const kek = await deriveKek(secret, header, ephemeralPublic, "unwrapKey");
  return aesKeyUnwrap(kek, body.subarray(X25519_PUBLIC_KEY_BYTES));
}

/** PKCS#8 (RFC 8410): SEQUENCE { version, AlgorithmIdentifier { 1.3.101.112 }, OCTET STRING { OCTET STRING seed } }. */
function ed25519SeedOf(pkcs8: Uint8Array): Uint8Array {
  const { result } = asn1js.fromBER(pkcs8);
  const items = result instanceof asn1js.Sequence ? result.valueBlock.value : [];
  const algorithm = items[1] instanceof asn1js.Sequence ? items[1].valueBlock.value[0] : undefined;
  const wrapper = items[2];
  if (!(algorithm instanceof asn1js.ObjectIdentifier) || algorithm.valueBlock.toString() !== "1.3.101.112") {
    throw new Error("private key is not an Ed25519 PKCS#8 key");
  }
  if (!(wrapper instanceof asn1js.OctetString))
    throw new Error("Ed25519 PKCS#8 key has no private key octets");
  const inner = asn1js.fromBER(wrapper.valueBlock.valueHexView).result;
  if (!(inner instanceof asn1js.OctetString) || inner.valueBlock.valueHexView.length !== 32) {
    throw new Error("Ed25519 PKCS#8 key must hold a 32-byte seed");
  }
  return new Uint8Array(inner.valueBlock.valueHexView);
}

// ---- RSA-OAEP -------------------------------------------------------------------------------------

async function wrapWithRsa(header: Uint8Array, recipientSpki: Uint8Array, material: Uint8Array) {
  const algorithm = { name: "RSA-OAEP", hash: "SHA-256" };
  const recipient = await subtle().importKey("spki", bufferSource(recipientSpki), algorithm, false, [
    "encrypt",
  ]);
  const encrypted = await subtle().encrypt(
    { name: "RSA-OAEP", label: bufferSource(header) },
    recipient,
    bufferSource(material),
  );
  return concatBytes(header, new Uint8Array(encrypted));
}

async function unwrapWithRsa(header: Uint8Array, body: Uint8Array, recipientPkcs8: Uint8Array) {
  const algorithm = { name: "RSA-OAEP", hash: "SHA-256" };
  const own = await subtle().importKey("pkcs8", bufferSource(recipientPkcs8), algorithm, false, ["decrypt"]);
  const decrypted = await subtle().decrypt(
    { name: "RSA-OAEP", label: bufferSource(header) },
    own,
    bufferSource(body),
  );
  return new Uint8Array(decrypted);
}

// ---- HKDF and AES-KW ------------------------------------------------------------------------------

async function deriveKek(
  secret: Uint8Array,
  header: Uint8Array,
  ephemeralPublic: Uint8Array,
  usage: "wrapKey" | "unwrapKey",
): Promise<CryptoKey> {
  if (secret.every((byte) => byte === 0)) throw new Error("key agreement produced an all-zero secret");
  const ikm = await subtle().importKey("raw", bufferSource(secret), "HKDF", false, ["deriveKey"]);
  const info = concatBytes(HKDF_INFO_LABEL, header, ephemeralPublic);
  return subtle().deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: bufferSource(info) },
    ikm,
    { name: "AES-KW", length: 256 },
    false,
    [usage],
  );
}

/** WebCrypto's AES-KW wraps CryptoKeys only: the bytes ride in an HMAC key, which takes any length. */
async function aesKeyWrap(kek: CryptoKey, material: Uint8Array): Promise<Uint8Array> {
  const carrier = await subtle().importKey("raw", bufferSource(material), HMAC_CARRIER, true, ["sign"]);
  return new Uint8Array(await subtle().wrapKey("raw", carrier, kek, "AES-KW"));
}

async function aesKeyUnwrap(kek: CryptoKey, wrapped: Uint8Array): Promise<Uint8Array> {
  const carrier = await subtle().unwrapKey("raw", bufferSource(wrapped), kek, "AES-KW", HMAC_CARRIER, true, [
    "sign",
  ]);
  return new Uint8Array(await subtle().exportKey("raw", carrier));
}

const HMAC_CARRIER = { name: "HMAC", hash: "SHA-256" } as const;

// ---- chat key material and tags -------------------------------------------------------------------

function chatKeyMaterial(chatKey: ChatKey): Uint8Array {
  return chatKey.kind === "gost28147-cfb" ? concatBytes(chatKey.key, chatKey.iv) : chatKey.key;
}

function chatKeyFromMaterial(kind: ChatKeyKind, material: Uint8Array): ChatKey {
  const expected = kind === "gost28147-cfb" ? CHAT_KEY_BYTES + GOST_CHAT_IV_BYTES : CHAT_KEY_BYTES;
  if (material.length !== expected) {
    throw new Error(`unwrapped ${kind} chat key must be ${expected} bytes, got ${material.length}`);
  }
  const key = material.slice(0, CHAT_KEY_BYTES);
  return kind === "gost28147-cfb" ? { kind, key, iv: material.slice(CHAT_KEY_BYTES) } : { kind, key };
}

function schemeOfTag(tag: number | undefined): StandardWrapScheme {
  const scheme = tagLookup(STANDARD_SCHEME_TAGS, tag);
  if (!scheme) throw new Error(`unknown wrapped chat key scheme tag ${formatTag(tag)}`);
  return scheme;
}

function kindOfTag(tag: number | undefined): ChatKeyKind {
  const kind = tagLookup(CHAT_KEY_KIND_TAGS, tag);
  if (!kind) throw new Error(`unknown chat key kind tag ${formatTag(tag)}`);
  return kind;
}

function tagLookup<T extends string>(
  tags: Readonly<Record<T, number>>,
  tag: number | undefined,
): T | undefined {
  return (Object.keys(tags) as T[]).find((name) => tags[name] === tag);
}

function formatTag(tag: number | undefined): string {
  return tag === undefined ? "(empty)" : `0x${tag.toString(16).padStart(2, "0")}`;
}
