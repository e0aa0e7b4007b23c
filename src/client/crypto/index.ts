/**
 * End-to-end crypto of the client SDK: wrap a chat's key for each member certificate, unwrap the row the
 * server returns for our certificate, and encrypt or decrypt the chat's texts and files.
 * Formats and the reasons behind them: docs/CRYPTO.md.
 */
import type { GostCurve } from "../../crypto/gost/curves.ts";
import { GOST_KEY_ALGORITHM_OIDS, gostPublicKeyFromSpki } from "../../crypto/gost/spki.ts";
import { type CertificateKeyAlgorithm, certificatePublicKey } from "./certificate.ts";
import { type ChatKey, generateChatKey } from "./chat-key.ts";
import { decryptAesGcmContent, encryptAesGcmContent } from "./content.ts";
import { type GostKeyAgreement, unwrapGostChatKey, wrapGostChatKey } from "./gost-chat-key.ts";
import { decryptGostContent, encryptGostContent, type GostContentOptions } from "./gost-content.ts";
import { type StandardWrapScheme, unwrapStandardChatKey, wrapStandardChatKey } from "./standard-chat-key.ts";

export type { CertificateKeyAlgorithm, ChatKey, GostContentOptions };
export { certificatePublicKey, generateChatKey };

/** The Android client's CryptoPro SIMPLEBLOB, by the VKO its certificate's key algorithm implies. */
export type GostWrapScheme = "gost-simpleblob-vko2012" | "gost-simpleblob-vko2001";
export type ChatKeyWrapScheme = GostWrapScheme | StandardWrapScheme;

/** A GOST private key (CryptoPro containers are not PKCS#8, so the caller extracts d and its curve). */
export interface GostOwnKey {
  readonly kind: "gost";
  readonly curve: GostCurve;
  readonly privateKey: bigint;
}

/** An ECDSA P-256/P-384/P-521, RSA or Ed25519 private key as PKCS#8 DER. */
export interface Pkcs8OwnKey {
  readonly kind: "pkcs8";
  readonly pkcs8: Uint8Array;
}

export type OwnKey = GostOwnKey | Pkcs8OwnKey;

const EC_PUBLIC_KEY_OID = "1.2.840.10045.2.1";
const EC_CURVE_SCHEMES: Readonly<Record<string, StandardWrapScheme>> = {
  "1.2.840.10045.3.1.7": "ecdh-p256-hkdf-aeskw",
  "1.3.132.0.34": "ecdh-p384-hkdf-aeskw",
  "1.3.132.0.35": "ecdh-p521-hkdf-aeskw",
};
const RSA_ENCRYPTION_OID = "1.2.840.113549.1.1.1";
const ED25519_OID = "1.3.101.112";

/** The wrapping scheme for a certificate's key algorithm; throws for keys we cannot wrap for. */
export function chooseScheme(keyAlgorithm: CertificateKeyAlgorithm): ChatKeyWrapScheme {
  const { algorithmOid, parameterOid } = keyAlgorithm;
  switch (algorithmOid) {
    case GOST_KEY_ALGORITHM_OIDS.gost2012_256:
    case GOST_KEY_ALGORITHM_OIDS.gost2012_512:
      return "gost-simpleblob-vko2012";
    case GOST_KEY_ALGORITHM_OIDS.gost2001:
      return "gost-simpleblob-vko2001";
    case RSA_ENCRYPTION_OID:
      return "rsa-oaep-sha256";
    case ED25519_OID:
      return "x25519-hkdf-aeskw";
    case EC_PUBLIC_KEY_OID: {
      const scheme = parameterOid === undefined ? undefined : EC_CURVE_SCHEMES[parameterOid];
      if (scheme) return scheme;
      throw new Error(
        `no chat key wrapping for EC curve ${parameterOid ?? "(none)"}; only P-256, P-384 and P-521`,
      );
    }
    default:
      throw new Error(`no chat key wrapping for certificate key algorithm ${algorithmOid}`);
  }
}

export interface WrapChatKeyForParams {
  readonly chatKey: ChatKey;
  /** DER of the member's certificate. */
  readonly recipientCertificate: Uint8Array;
  /** Needed for GOST recipients only (static VKO): our GOST key, on the recipient's curve. */
  readonly senderKey?: GostOwnKey;
}

export async function wrapChatKeyFor(params: WrapChatKeyForParams): Promise<Uint8Array> {
  const { chatKey, senderKey } = params;
  const recipient = certificatePublicKey(params.recipientCertificate);
  const scheme = chooseScheme(recipient);
  if (!isGostScheme(scheme)) return wrapStandardChatKey(scheme, recipient, chatKey);
  if (chatKey.kind !== "gost28147-cfb") {
    throw new Error("a GOST certificate can only receive a GOST chat key (the client blob holds key and IV)");
  }
  if (!senderKey) throw new Error("wrapping for a GOST certificate needs the sender's GOST private key");
  return wrapGostChatKey({
    senderPrivateKey: senderKey.privateKey,
    senderCurve: senderKey.curve,
    recipientPublicKey: gostPublicKeyFromSpki(recipient.spki),
    chatKey: chatKey.key,
    iv: chatKey.iv,
    agreement: agreementOf(scheme),
  });
}

export interface UnwrapChatKeyParams {
  /** The contact's `key`, decoded from base64. */
  readonly wrappedKey: Uint8Array;
  readonly ownKey: OwnKey;
  /** The contact's `cert` (DER): the certificate that wrapped the key. Needed for GOST keys only. */
  readonly wrappingCertificate?: Uint8Array;
}

export async function unwrapChatKey(params: UnwrapChatKeyParams): Promise<ChatKey> {
  const { wrappedKey, ownKey, wrappingCertificate } = params;
  if (ownKey.kind === "pkcs8") return unwrapStandardChatKey(wrappedKey, ownKey.pkcs8);
  if (!wrappingCertificate) throw new Error("unwrapping a GOST chat key needs the wrapping certificate");
  const wrapper = certificatePublicKey(wrappingCertificate);
  const scheme = chooseScheme(wrapper);
  if (!isGostScheme(scheme)) {
    throw new Error(`the wrapping certificate has a ${scheme} key, not a GOST key like ours`);
  }
  const wrappingPublicKey = gostPublicKeyFromSpki(wrapper.spki);
  if (ownKey.curve.domainName !== wrappingPublicKey.curve.domainName) {
    throw new Error(
      `the wrapping certificate's key is on ${wrappingPublicKey.curve.name}, ours on ${ownKey.curve.name}`,
    );
  }
  const { chatKey, iv } = unwrapGostChatKey({
    recipientPrivateKey: ownKey.privateKey,
    wrappingCertificatePublicKey: wrappingPublicKey,
    blob: wrappedKey,
    agreement: agreementOf(scheme),
  });
  return { kind: "gost28147-cfb", key: chatKey, iv };
}

/** GOST chat keys give the Android client's headerless CFB; AES chat keys the tagged AES-256-GCM format. */
export async function encryptContent(
  chatKey: ChatKey,
  plaintext: Uint8Array,
  options: GostContentOptions = {},
): Promise<Uint8Array> {
  if (chatKey.kind === "gost28147-cfb") return encryptGostContent(chatKey, plaintext, options);
  return encryptAesGcmContent(chatKey, plaintext);
}

export async function decryptContent(
  chatKey: ChatKey,
  ciphertext: Uint8Array,
  options: GostContentOptions = {},
): Promise<Uint8Array> {
  if (chatKey.kind === "gost28147-cfb") return decryptGostContent(chatKey, ciphertext, options);
  return decryptAesGcmContent(chatKey, ciphertext);
}

function isGostScheme(scheme: ChatKeyWrapScheme): scheme is GostWrapScheme {
  return scheme === "gost-simpleblob-vko2012" || scheme === "gost-simpleblob-vko2001";
}

function agreementOf(scheme: GostWrapScheme): GostKeyAgreement {
  return scheme === "gost-simpleblob-vko2001" ? "vko2001" : "vko2012-256";
}
