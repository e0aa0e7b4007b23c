/**
 * The two GOST 28147-89 key wraps of RFC 4357 and the CryptoPro KEK diversification they use.
 *
 * wrapped = UKM (8) | CEK_ENC (32) | CEK_MAC (4), where CEK_ENC = ECB(KEK', CEK) and CEK_MAC is the 32-bit
 * GOST 28147-89 MAC of the CEK under KEK' with the UKM as IV. KEK' = KEK for the GOST 28147-89 key wrap
 * (§6.1) and the diversified KEK(UKM) (§6.5) for the CryptoPro key wrap (§6.3).
 */
import {
  GOST28147_BLOCK_BYTES,
  GOST28147_KEY_BYTES,
  type Gost28147Options,
  gost28147DecryptEcb,
  gost28147EncryptCfb,
  gost28147EncryptEcb,
  gost28147Mac,
  requireLength,
} from "./gost28147.ts";

export const UKM_BYTES = 8;
export const CEK_MAC_BYTES = 4;
export const WRAPPED_KEY_BYTES = UKM_BYTES + GOST28147_KEY_BYTES + CEK_MAC_BYTES;

/**
 * CryptoPro KEK diversification (RFC 4357 §6.5): eight rounds; round i splits the current key's words
 * K_j by bit j of UKM byte i into two sums that form a CFB IV, and CFB-encrypts the key under itself.
 */
export function diversifyKekCryptoPro(
  kek: Uint8Array,
  ukm: Uint8Array,
  options: Gost28147Options = {},
): Uint8Array {
  requireLength("KEK", kek, GOST28147_KEY_BYTES);
  requireLength("UKM", ukm, UKM_BYTES);
  let key: Uint8Array = kek.slice();
  for (let i = 0; i < 8; i++) {
    let selected = 0;
    let others = 0;
    const view = new DataView(key.buffer, key.byteOffset, key.byteLength);
    for (let j = 0; j < 8; j++) {
      const word = view.getUint32(4 * j, true);
      if (((ukm[i] ?? 0) >>> j) & 1) selected = (selected + word) >>> 0;
      else others = (others + word) >>> 0;
    }
    const iv = new Uint8Array(GOST28147_BLOCK_BYTES);
    const ivView = new DataView(iv.buffer);
    ivView.setUint32(0, selected, true);
    ivView.setUint32(4, others, true);
    key = gost28147EncryptCfb(key, iv, key, { sbox: options.sbox });
  }
  return key;
}

function wrapWith(kek: Uint8Array, ukm: Uint8Array, cek: Uint8Array, options: Gost28147Options): Uint8Array {
  requireLength("CEK", cek, GOST28147_KEY_BYTES);
  const encrypted = gost28147EncryptEcb(kek, cek, options);
  const mac = gost28147Mac(kek, cek, { sbox: options.sbox, iv: ukm, length: CEK_MAC_BYTES });
  const out = new Uint8Array(WRAPPED_KEY_BYTES);
  out.set(ukm, 0);
  out.set(encrypted, UKM_BYTES);
  out.set(mac, UKM_BYTES + GOST28147_KEY_BYTES);
  return out;
}

function unwrapWith(
  deriveKek: (ukm: Uint8Array) => Uint8Array,
  wrapped: Uint8Array,
  options: Gost28147Options,
): Uint8Array {
  requireLength("wrapped key", wrapped, WRAPPED_KEY_BYTES);
  const ukm = wrapped.subarray(0, UKM_BYTES);
  const kek = deriveKek(ukm);
  const cek = gost28147DecryptEcb(kek, wrapped.subarray(UKM_BYTES, UKM_BYTES + GOST28147_KEY_BYTES), options);
  const expected = gost28147Mac(kek, cek, { sbox: options.sbox, iv: ukm, length: CEK_MAC_BYTES });
  const actual = wrapped.subarray(UKM_BYTES + GOST28147_KEY_BYTES);
  if (!equalInConstantTime(expected, actual)) {
    throw new Error(
      "GOST 28147-89 key unwrap: the CEK MAC does not match (wrong KEK, S-box or corrupted key)",
    );
  }
  return cek;
}

/** Compares without an early exit, so the time taken does not reveal where a forged MAC goes wrong. */
function equalInConstantTime(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return difference === 0;
}

/** GOST 28147-89 key wrap (RFC 4357 §6.1). */
export function wrapKeyGost28147(
  kek: Uint8Array,
  ukm: Uint8Array,
  cek: Uint8Array,
  options: Gost28147Options = {},
): Uint8Array {
  requireLength("KEK", kek, GOST28147_KEY_BYTES);
  requireLength("UKM", ukm, UKM_BYTES);
  return wrapWith(kek, ukm, cek, options);
}

/** GOST 28147-89 key unwrap (RFC 4357 §6.2); throws if the MAC does not verify. */
export function unwrapKeyGost28147(
  kek: Uint8Array,
  wrapped: Uint8Array,
  options: Gost28147Options = {},
): Uint8Array {
  requireLength("KEK", kek, GOST28147_KEY_BYTES);
  return unwrapWith(() => kek, wrapped, options);
}

/** CryptoPro key wrap (RFC 4357 §6.3): the GOST 28147-89 key wrap under KEK(UKM). */
export function wrapKeyCryptoPro(
  kek: Uint8Array,
  ukm: Uint8Array,
  cek: Uint8Array,
  options: Gost28147Options = {},
): Uint8Array {
  return wrapWith(diversifyKekCryptoPro(kek, ukm, options), ukm, cek, options);
}

/** CryptoPro key unwrap (RFC 4357 §6.4); throws if the MAC does not verify. */
export function unwrapKeyCryptoPro(
  kek: Uint8Array,
  wrapped: Uint8Array,
  options: Gost28147Options = {},
): Uint8Array {
  requireLength("KEK", kek, GOST28147_KEY_BYTES);
  return unwrapWith((ukm) => diversifyKekCryptoPro(kek, ukm, options), wrapped, options);
}
