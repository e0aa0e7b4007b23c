/**
 * Triple DES (EDE, three keys) in CBC mode, decryption only: the cipher of pbeWithSHAAnd3-KeyTripleDES-CBC
 * (RFC 7292 Appendix C), which OpenSSL's legacy PFX and CryptoPro exports still use for certificates and keys.
 * WebCrypto has no DES, hence this small table-driven FIPS 46-3 implementation.
 */

const PC1 = [
  57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18, 10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60, 52, 44, 36,
  63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22, 14, 6, 61, 53, 45, 37, 29, 21, 13, 5, 28, 20, 12, 4,
];
const PC2 = [
  14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10, 23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2, 41, 52, 31, 37, 47,
  55, 30, 40, 51, 45, 33, 48, 44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32,
];
const SHIFTS = [1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1];
const IP = [
  58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4, 62, 54, 46, 38, 30, 22, 14, 6, 64, 56, 48, 40,
  32, 24, 16, 8, 57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3, 61, 53, 45, 37, 29, 21, 13, 5,
  63, 55, 47, 39, 31, 23, 15, 7,
];
const FP = [
  40, 8, 48, 16, 56, 24, 64, 32, 39, 7, 47, 15, 55, 23, 63, 31, 38, 6, 46, 14, 54, 22, 62, 30, 37, 5, 45, 13,
  53, 21, 61, 29, 36, 4, 44, 12, 52, 20, 60, 28, 35, 3, 43, 11, 51, 19, 59, 27, 34, 2, 42, 10, 50, 18, 58, 26,
  33, 1, 41, 9, 49, 17, 57, 25,
];
const E = [
  32, 1, 2, 3, 4, 5, 4, 5, 6, 7, 8, 9, 8, 9, 10, 11, 12, 13, 12, 13, 14, 15, 16, 17, 16, 17, 18, 19, 20, 21,
  20, 21, 22, 23, 24, 25, 24, 25, 26, 27, 28, 29, 28, 29, 30, 31, 32, 1,
];
const P = [
  16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10, 2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6, 22,
  11, 4, 25,
];
const S = [
  "e4d12fb83a6c5907 0f74e2d1a6cb9538 41e8d62bfc973a50 fc8249175b3ea06d",
  "f18e6b34972dc05a 3d47f28ec01a69b5 0e7ba4d158c6932f d8a13f42b67c05e9",
  "a09e63f51dc7b428 d709346a285ecbf1 d6498f30b12c5ae7 1ad069874fe3b52c",
  "7de3069a1285bc4f d8b56f03472c1ae9 a690cb7df13e5284 3f06a1d8945bc72e",
  "2c417ab6853fd0e9 eb2c47d150fa3986 421bad78f9c5630e b8c71e2d6f09a453",
  "c1af92680d34e75b af427c9561de0b38 9ef528c3704a1db6 432c95fabe17608d",
  "4b2ef08d3c975a61 d0b7491ae35c2f86 14bdc37eaf680592 6bd814a7950fe23c",
  "d2846fb1a93e50c7 1fd8a374c56b0e92 7b419ce206adf358 21e74a8dfc90356b",
].map((box) => [...box.replaceAll(" ", "")].map((nibble) => Number.parseInt(nibble, 16)));

/** Bits as 0/1 arrays: slow but plain, and a PFX decrypts a few kilobytes once. */
function toBits(bytes: Uint8Array): number[] {
  return Array.from({ length: bytes.length * 8 }, (_, i) => ((bytes[i >>> 3] ?? 0) >>> (7 - (i & 7))) & 1);
}

function fromBits(bits: readonly number[]): Uint8Array {
  const out = new Uint8Array(bits.length / 8);
  bits.forEach((bit, i) => {
    out[i >>> 3] = (out[i >>> 3] ?? 0) | (bit << (7 - (i & 7)));
  });
  return out;
}

const permute = (bits: readonly number[], table: readonly number[]) =>
  table.map((position) => bits[position - 1] ?? 0);

function subkeys(key: Uint8Array): number[][] {
  const bits = permute(toBits(key), PC1);
  let c = bits.slice(0, 28);
  let d = bits.slice(28);
  return SHIFTS.map((shift) => {
    c = [...c.slice(shift), ...c.slice(0, shift)];
    d = [...d.slice(shift), ...d.slice(0, shift)];
    return permute([...c, ...d], PC2);
  });
}

function feistel(right: readonly number[], subkey: readonly number[]): number[] {
  const x = permute(right, E).map((bit, i) => bit ^ (subkey[i] ?? 0));
  const out: number[] = [];
  for (let box = 0; box < 8; box++) {
    const six = x.slice(box * 6, box * 6 + 6);
    const row = ((six[0] ?? 0) << 1) | (six[5] ?? 0);
    const column = ((six[1] ?? 0) << 3) | ((six[2] ?? 0) << 2) | ((six[3] ?? 0) << 1) | (six[4] ?? 0);
    const value = S[box]?.[row * 16 + column] ?? 0;
    out.push((value >>> 3) & 1, (value >>> 2) & 1, (value >>> 1) & 1, value & 1);
  }
  return permute(out, P);
}

function desBlock(block: Uint8Array, keys: readonly (readonly number[])[]): Uint8Array {
  const bits = permute(toBits(block), IP);
  let left = bits.slice(0, 32);
  let right = bits.slice(32);
  for (const subkey of keys) {
    const next = feistel(right, subkey).map((bit, i) => bit ^ (left[i] ?? 0));
    left = right;
    right = next;
  }
  return fromBits(permute([...right, ...left], FP));
}

/** 3DES-EDE CBC decryption of whole blocks with a 24-byte key; the PKCS#7 padding is checked and removed. */
export function tripleDesCbcDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  if (key.length !== 24 || iv.length !== 8 || ciphertext.length === 0 || ciphertext.length % 8 !== 0) {
    throw new Error("3DES-CBC: bad key, IV or ciphertext length");
  }
  const [k1, k2, k3] = [0, 8, 16].map((offset) => subkeys(key.subarray(offset, offset + 8)));
  if (!k1 || !k2 || !k3) throw new Error("3DES-CBC: bad key");
  const reversed1 = [...k1].reverse();
  const reversed3 = [...k3].reverse();
  const out = new Uint8Array(ciphertext.length);
  let previous = iv;
  for (let offset = 0; offset < ciphertext.length; offset += 8) {
    const block = ciphertext.subarray(offset, offset + 8);
    // EDE decryption: D_k1(E_k2(D_k3(block))).
    const plain = desBlock(desBlock(desBlock(block, reversed3), k2), reversed1);
    for (let i = 0; i < 8; i++) out[offset + i] = (plain[i] ?? 0) ^ (previous[i] ?? 0);
    previous = block;
  }
  return removePkcs7Padding(out);
}

export function removePkcs7Padding(data: Uint8Array): Uint8Array {
  const pad = data[data.length - 1] ?? 0;
  if (pad < 1 || pad > 8 || data.subarray(data.length - pad).some((b) => b !== pad)) {
    throw new Error("bad padding after decryption (wrong password?)");
  }
  return data.subarray(0, data.length - pad);
}
