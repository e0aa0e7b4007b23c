/**
 * The chat-key blob of the deployed Android client (CryptoPro CSP), byte for byte:
 *
 *   offset size
 *        0    4  u32le 73 = length of the CryptoAPI SIMPLEBLOB that follows (bytes 4..76)
 *        4   16    BLOBHEADER { bType 01 SIMPLEBLOB, bVersion 20, reserved 0000, aiKeyAlg 661E CALG_G28147 }
 *                  + CRYPT_SIMPLEBLOB_HEADER { Magic 374A51FD GR3410_1_MAGIC, EncryptKeyAlgId 661E }
 *       20    8    bSV: the UKM
 *       28   32    bEncryptedKey: the chat key, GOST 28147-89 ECB under the KEK
 *       60    4    bMacKey: GOST 28147-89 MAC of the chat key under the KEK, IV = UKM
 *       64   13    bEncryptionParamSet: DER Gost28147-89-BlobParameters, SEQUENCE { OID param-Z }
 *       77    4  u32le 8 = length of the IV
 *       81    8  the chat IV
 *
 * KEK = VKO(own private key, peer's public key, UKM): the sender's key and the recipient's certificate when
 * wrapping; the recipient's key and the wrapping certificate when unwrapping (for the blob a client wraps
 * for itself, "import", both are its own). Bytes 20..63 are exactly the GOST 28147-89 key wrap of
 * RFC 4357 §6.1 (UKM | CEK_ENC | CEK_MAC).
 *
 * S-box: the blob names its parameter set, and CryptoPro gives an imported session key the parameter set of
 * its blob, for the wrap and for the later CFB alike. The client writes id-tc26-gost-28147-param-Z, so both
 * the wrap (ECB and MAC) and the content use param-Z; blobs naming another set are refused, not guessed.
 */
import { concatBytes, randomBytes } from "@noble/hashes/utils.js";
import type { GostCurve } from "../../crypto/gost/curves.ts";
import type { GostPublicKey } from "../../crypto/gost/gost3410.ts";
import {
  UKM_BYTES,
  unwrapKeyGost28147,
  WRAPPED_KEY_BYTES,
  wrapKeyGost28147,
} from "../../crypto/gost/gost28147-keywrap.ts";
import { type VkoParams, vkoGostR3410_2001, vkoGostR3410_2012_256 } from "../../crypto/gost/vko.ts";
import { CHAT_KEY_BYTES, GOST_CHAT_IV_BYTES } from "./chat-key.ts";

/** The S-box of the wrap and of the content (OID 1.2.643.7.1.2.5.1.1). */
export const GOST_CHAT_SBOX = "id-tc26-gost-28147-param-Z";

/**
 * "vko2012-256" (VKO_GOSTR3410_2012_256) for GOST R 34.10-2012 keys of either size: the KEK is 32 bytes,
 * as in TK26 CMS. "vko2001" for GOST R 34.10-2001 keys (RFC 4357 §5.2).
 */
export type GostKeyAgreement = "vko2012-256" | "vko2001";

const SIMPLE_BLOB_HEADER = Uint8Array.of(
  0x01,
  0x20,
  0x00,
  0x00,
  0x1e,
  0x66,
  0x00,
  0x00,
  0xfd,
  0x51,
  0x4a,
  0x37,
  0x1e,
  0x66,
  0x00,
  0x00,
);
const PARAM_Z_BLOB_PARAMETERS = Uint8Array.of(
  0x30,
  0x0b,
  0x06,
  0x09,
  0x2a,
  0x85,
  0x03,
  0x07,
  0x01,
  0x02,
  0x05,
  0x01,
  0x01,
);
const LENGTH_FIELD_BYTES = 4;
/** 16 + 8 + 32 + 4 + 13 = 73, the first length field. */
export const SIMPLE_BLOB_BYTES =
  SIMPLE_BLOB_HEADER.length + WRAPPED_KEY_BYTES + PARAM_Z_BLOB_PARAMETERS.length;
/** 4 + 73 + 4 + 8 = 89. */
export const GOST_CHAT_KEY_BLOB_BYTES =
  LENGTH_FIELD_BYTES + SIMPLE_BLOB_BYTES + LENGTH_FIELD_BYTES + GOST_CHAT_IV_BYTES;

export interface WrapGostChatKeyParams {
  readonly senderPrivateKey: bigint;
  readonly senderCurve: GostCurve;
  /** The recipient certificate's key (see gostPublicKeyFromSpki); must be on the sender's curve. */
  readonly recipientPublicKey: GostPublicKey;
  readonly chatKey: Uint8Array;
  readonly iv: Uint8Array;
  /** Fixed UKM for known-answer tests; random otherwise. */
  readonly ukm?: Uint8Array;
  /** Default "vko2012-256". */
  readonly agreement?: GostKeyAgreement;
}

export interface UnwrapGostChatKeyParams {
  readonly recipientPrivateKey: bigint;
  /** The key of the certificate that wrapped the blob (the contact key's `cert`). */
  readonly wrappingCertificatePublicKey: GostPublicKey;
  readonly blob: Uint8Array;
  /** Default "vko2012-256". */
  readonly agreement?: GostKeyAgreement;
}

export interface UnwrappedGostChatKey {
  readonly chatKey: Uint8Array;
  readonly iv: Uint8Array;
}

export function wrapGostChatKey(params: WrapGostChatKeyParams): Uint8Array {
  const { chatKey, iv, ukm = randomBytes(UKM_BYTES) } = params;
  requireBytes("chat key", chatKey, CHAT_KEY_BYTES);
  requireBytes("chat IV", iv, GOST_CHAT_IV_BYTES);
  requireBytes("UKM", ukm, UKM_BYTES);
  const kek = deriveKek(params.agreement, {
    curve: params.senderCurve,
    privateKey: params.senderPrivateKey,
    publicKey: params.recipientPublicKey,
    ukm,
  });
  const wrapped = wrapKeyGost28147(kek, ukm, chatKey, { sbox: GOST_CHAT_SBOX });
  return concatBytes(
    u32le(SIMPLE_BLOB_BYTES),
    SIMPLE_BLOB_HEADER,
    wrapped,
    PARAM_Z_BLOB_PARAMETERS,
    u32le(GOST_CHAT_IV_BYTES),
    iv,
  );
}

/** Throws when the blob is malformed or its MAC does not verify (wrong keys or a corrupted blob). */
export function unwrapGostChatKey(params: UnwrapGostChatKeyParams): UnwrappedGostChatKey {
  const { wrapped, iv } = parseBlob(params.blob);
  const publicKey = params.wrappingCertificatePublicKey;
  const kek = deriveKek(params.agreement, {
    curve: publicKey.curve,
    privateKey: params.recipientPrivateKey,
    publicKey,
    ukm: wrapped.subarray(0, UKM_BYTES),
  });
  try {
    return { chatKey: unwrapKeyGost28147(kek, wrapped, { sbox: GOST_CHAT_SBOX }), iv };
  } catch (cause) {
    throw new Error(
      "GOST chat key blob: the MAC does not verify (not wrapped for this key by this certificate, or corrupted)",
      { cause },
    );
  }
}

function deriveKek(agreement: GostKeyAgreement = "vko2012-256", params: VkoParams): Uint8Array {
  return agreement === "vko2001" ? vkoGostR3410_2001(params) : vkoGostR3410_2012_256(params);
}

/** Splits the blob into the RFC 4357 wrapped key (UKM | CEK_ENC | CEK_MAC) and the IV, checking every fixed field. */
function parseBlob(blob: Uint8Array): { wrapped: Uint8Array; iv: Uint8Array } {
  const headerAt = LENGTH_FIELD_BYTES;
  const wrappedAt = headerAt + SIMPLE_BLOB_HEADER.length;
  const parametersAt = wrappedAt + WRAPPED_KEY_BYTES;
  const ivLengthAt = LENGTH_FIELD_BYTES + SIMPLE_BLOB_BYTES;
  const ivAt = ivLengthAt + LENGTH_FIELD_BYTES;
  if (blob.length < ivAt) throw new Error(`GOST chat key blob is too short (${blob.length} bytes)`);
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  if (!equalBytes(blob.subarray(headerAt, wrappedAt), SIMPLE_BLOB_HEADER)) {
    throw new Error("GOST chat key blob: not a CryptoPro SIMPLEBLOB of a GOST 28147-89 key");
  }
  const simpleBlobLength = view.getUint32(0, true);
  const parameters = blob.subarray(parametersAt, ivLengthAt);
  if (simpleBlobLength !== SIMPLE_BLOB_BYTES || !equalBytes(parameters, PARAM_Z_BLOB_PARAMETERS)) {
    throw new Error(
      "GOST chat key blob: unsupported encryption parameter set (only tc26 param-Z is accepted)",
    );
  }
  if (view.getUint32(ivLengthAt, true) !== GOST_CHAT_IV_BYTES || blob.length !== GOST_CHAT_KEY_BLOB_BYTES) {
    throw new Error(`GOST chat key blob: the IV must be ${GOST_CHAT_IV_BYTES} bytes and end the blob`);
  }
  return { wrapped: blob.subarray(wrappedAt, parametersAt), iv: blob.slice(ivAt) };
}

function u32le(value: number): Uint8Array {
  const out = new Uint8Array(LENGTH_FIELD_BYTES);
  new DataView(out.buffer).setUint32(0, value, true);
  return out;
}

function requireBytes(what: string, bytes: Uint8Array, length: number): void {
  if (bytes.length !== length)
    throw new Error(`GOST chat key: ${what} must be ${length} bytes, got ${bytes.length}`);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
