/**
 * RC2 (RFC 2268) in CBC mode, decryption only: the cipher of pbeWithSHAAnd40BitRC2-CBC and
 * pbeWithSHAAnd128BitRC2-CBC (RFC 7292 Appendix C), which OpenSSL's `-legacy` PFX uses for certificates.
 */
import { removePkcs7Padding } from "./des.ts";

/** PITABLE of RFC 2268 §2, a permutation of 0..255 derived from the digits of π. */
const PITABLE = Uint8Array.from(
  [
    "d978f9c419ddb5ed28e9fd794aa0d89dc67e37832b76538e624c6488448bfba2",
    "179a59f587b34f1361456d8d09817d32bd8f40eb86b77b0bf09521225c6b4e82",
    "54d66593ce60b21c7356c014a78cf1dc1275ca1f3bbee4d1423dd430a33cb626",
    "6fbf0eda4669075727f21d9bbc944303f811c7f690ef3ee706c3d52fc8661ed7",
    "08e8eade8052eef784aa72ac354d6a2a961ad2715a1549744b9fd05e0418a4ec",
    "c2e0416e0f51cbcc2491af50a1f47039997c3a8523b8b47afc02365b25559731",
    "2d5dfa98e38a92ae05df2910676cbac9d300e6cfe19ea82c6316013f58e289a9",
    "0d38341bab33ffb0bb480c5fb9b1cd2ec5f3db47e5a59c770aa62068fe7fc1ad",
  ]
    .join("")
    .match(/../g) ?? [],
  (pair) => Number.parseInt(pair, 16),
);

/** RFC 2268 §2: the 64 16-bit subkeys of `key` with `effectiveBits` effective key bits. */
function expandKey(key: Uint8Array, effectiveBits: number): Uint16Array {
  const l = new Uint8Array(128);
  l.set(key);
  const t = key.length;
  for (let i = t; i < 128; i++) l[i] = PITABLE[((l[i - 1] ?? 0) + (l[i - t] ?? 0)) & 0xff] ?? 0;
  const t8 = (effectiveBits + 7) >>> 3;
  const tm = 0xff >>> (8 * t8 - effectiveBits);
  l[128 - t8] = PITABLE[(l[128 - t8] ?? 0) & tm] ?? 0;
  for (let i = 127 - t8; i >= 0; i--) l[i] = PITABLE[(l[i + 1] ?? 0) ^ (l[i + t8] ?? 0)] ?? 0;
  const k = new Uint16Array(64);
  for (let i = 0; i < 64; i++) k[i] = (l[2 * i] ?? 0) | ((l[2 * i + 1] ?? 0) << 8);
  return k;
}

const SHIFTS = [1, 2, 3, 5];

/** RFC 2268 §4: five r-mixing rounds, an r-mashing, six r-mixing, an r-mashing, five r-mixing. */
function decryptBlock(k: Uint16Array, block: Uint8Array): Uint8Array {
  const r = [0, 1, 2, 3].map((i) => (block[2 * i] ?? 0) | ((block[2 * i + 1] ?? 0) << 8));
  const word = (i: number) => r[i & 3] ?? 0;
  let j = 63;
  const mix = () => {
    for (let i = 3; i >= 0; i--) {
      const s = SHIFTS[i] ?? 0;
      const rotated = ((word(i) >>> s) | (word(i) << (16 - s))) & 0xffff;
      const f = (word(i - 1) & word(i - 2)) | (~word(i - 1) & word(i - 3));
      r[i] = (rotated - (k[j--] ?? 0) - f) & 0xffff;
    }
  };
  const mash = () => {
    for (let i = 3; i >= 0; i--) r[i] = (word(i) - (k[word(i - 1) & 63] ?? 0)) & 0xffff;
  };
  for (const rounds of [5, 6, 5]) {
    for (let n = 0; n < rounds; n++) mix();
    if (j > 0) mash();
  }
  return Uint8Array.from(r.flatMap((w) => [w & 0xff, w >>> 8]));
}

/** RC2-CBC decryption with `effectiveBits` effective key bits (40 or 128 in PKCS#12); PKCS#7 padding removed. */
export function rc2CbcDecrypt(
  key: Uint8Array,
  effectiveBits: number,
  iv: Uint8Array,
  ciphertext: Uint8Array,
) {
  if (iv.length !== 8 || ciphertext.length === 0 || ciphertext.length % 8 !== 0) {
    throw new Error("RC2-CBC: bad IV or ciphertext length");
  }
  const k = expandKey(key, effectiveBits);
  const out = new Uint8Array(ciphertext.length);
  let previous = iv;
  for (let offset = 0; offset < ciphertext.length; offset += 8) {
    const block = ciphertext.subarray(offset, offset + 8);
    const plain = decryptBlock(k, block);
    for (let i = 0; i < 8; i++) out[offset + i] = (plain[i] ?? 0) ^ (previous[i] ?? 0);
    previous = block;
  }
  return removePkcs7Padding(out);
}
