/**
 * Kuznyechik (GOST R 34.12-2015, 128-bit block, 256-bit key), encryption only: CTR, CTR-ACPKM and OMAC need
 * no decryption. Bytes in the standard's order (the first byte is the most significant). A plain, table-free
 * implementation: it keys a few PFX bags, not bulk traffic.
 */

/** π, the S-box of GOST R 34.12-2015 §4.1.1. */
const PI = Uint8Array.from(
  [
    "fceedd11cf6e3116fbc4fada23c5044de977f0db932e99ba1736f1bb14cd5fc1",
    "f918655ae25cef21811c3c428b018e4f058402aee36a8fa0060bed987fd4d31f",
    "eb342c51eac848abf22a68a2fd3aceccb5700e56080c7612bf7213479cb75d87",
    "15a19629107b9ac7f391786f9d9eb2b13275193dff358a7e6d54c680c3bd0d57",
    "dff524a93ea843c9d779d6f67c22b903e00fecde7a94b0bcdce828504e330a4a",
    "a79760731e0062441ab83882649f2641ad454692275e552f8ca3a57d69d5953b",
    "0758b34086ac1df730376be488d9e789e11b83494c3ff8fe8d53aa90cad88561",
    "207167a42d2b095bcb9b25d0bee56c5259a674d2e6f4b4c0d166afc2394b63b6",
  ]
    .join("")
    .match(/../g) ?? [],
  (pair) => Number.parseInt(pair, 16),
);

/** The coefficients of the linear map ℓ (§4.1.2), for a_15 … a_0. */
const L_COEFFICIENTS = [148, 32, 133, 16, 194, 192, 1, 251, 1, 192, 194, 16, 133, 32, 148, 1];

/** Multiplication in GF(2^8) modulo x^8 + x^7 + x^6 + x + 1. */
function multiply(a: number, b: number): number {
  let result = 0;
  let x = a;
  for (let y = b; y !== 0; y >>>= 1) {
    if (y & 1) result ^= x;
    x = x & 0x80 ? ((x << 1) ^ 0x1c3) & 0xff : x << 1;
  }
  return result;
}

/** L = R^16, R(a_15 … a_0) = ℓ(a_15 … a_0) ‖ a_15 … a_1; in place. */
function linear(block: Uint8Array): void {
  for (let round = 0; round < 16; round++) {
    let feedback = 0;
    for (let i = 0; i < 16; i++) feedback ^= multiply(block[i] ?? 0, L_COEFFICIENTS[i] ?? 0);
    block.copyWithin(1, 0, 15);
    block[0] = feedback;
  }
}

/** One X, S, L round: block = L(S(block ⊕ key)), in place. */
function round(block: Uint8Array, key: Uint8Array): void {
  for (let i = 0; i < 16; i++) block[i] = PI[(block[i] ?? 0) ^ (key[i] ?? 0)] ?? 0;
  linear(block);
}

/** The ten round keys (§4.3): K1 ‖ K2 = key, then eight Feistel steps with C_i = L(Vec128(i)) per pair. */
function roundKeys(key: Uint8Array): Uint8Array[] {
  if (key.length !== 32) throw new Error(`Kuznyechik: the key must be 32 bytes, got ${key.length}`);
  let a = key.slice(0, 16);
  let b = key.slice(16, 32);
  const keys = [a, b];
  for (let i = 1; i <= 32; i++) {
    const constant = new Uint8Array(16);
    constant[15] = i;
    linear(constant);
    const next = a.slice();
    round(next, constant);
    for (let j = 0; j < 16; j++) next[j] = (next[j] ?? 0) ^ (b[j] ?? 0);
    b = a;
    a = next;
    if (i % 8 === 0) keys.push(a, b);
  }
  return keys;
}

/** A keyed Kuznyechik encryptor of one 16-byte block. */
export function kuznyechikEncryptor(key: Uint8Array): (block: Uint8Array) => Uint8Array {
  const keys = roundKeys(key);
  return (block) => {
    if (block.length !== 16) throw new Error(`Kuznyechik: a block is 16 bytes, got ${block.length}`);
    const state = block.slice();
    for (let i = 0; i < 9; i++) round(state, keys[i] ?? new Uint8Array(16));
    const last = keys[9] ?? new Uint8Array(16);
    for (let i = 0; i < 16; i++) state[i] = (state[i] ?? 0) ^ (last[i] ?? 0);
    return state;
  };
}
