// biome-ignore-all lint/style/noNonNullAssertion: hot loops index fixed-size typed arrays within their bounds.
/**
 * GOST R 34.11-2012 "Streebog" (RFC 6986), 256- and 512-bit digests.
 *
 * Bytes in and out are in transmission order (what OpenSSL/gost-engine, CryptoPro and pygost use): the RFC
 * prints numbers most significant byte first, so a printed digest is the reversal of the bytes produced here.
 *
 * Speed: the state is eight 64-bit words, each kept as a (lo, hi) pair of 32-bit halves in an Int32Array
 * [lo0, hi0, lo1, hi1, …]. The byte substitution π, the transposition τ and the linear map ℓ are folded into
 * one table per input byte position (the usual "LPS table"), built once at module load from the definitions.
 */
import { A_ROWS_HEX, PI, ROUND_CONSTANTS_HEX } from "./streebog-constants.ts";

export type StreebogSize = 256 | 512;

const BLOCK_BYTES = 64;

/** LPS_LO/HI[(k << 8) | b] = lo/hi half of ℓ(π(b) placed in byte k of a 64-bit word). */
const [LPS_LO, LPS_HI] = buildLpsTables();
/** C_1..C_12 as state words. */
const ROUND_KEYS = ROUND_CONSTANTS_HEX.map((hex) => wordsFromBytes(reverseHex(hex), 0));

function reverseHex(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) {
    bytes[bytes.length - 1 - i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  }
  return bytes;
}

function buildLpsTables(): [Int32Array, Int32Array] {
  // A_i as (lo, hi) halves.
  const rowLo = A_ROWS_HEX.map((hex) => Number.parseInt(hex.slice(8), 16) | 0);
  const rowHi = A_ROWS_HEX.map((hex) => Number.parseInt(hex.slice(0, 8), 16) | 0);
  const tableLo = new Int32Array(8 * 256);
  const tableHi = new Int32Array(8 * 256);
  for (let k = 0; k < 8; k++) {
    for (let b = 0; b < 256; b++) {
      const substituted = PI[b]!;
      let lo = 0;
      let hi = 0;
      for (let bit = 0; bit < 8; bit++) {
        if ((substituted >>> bit) & 1) {
          // Input bit p of the 64-bit word selects row A_(63 − p).
          const row = 63 - (8 * k + bit);
          lo ^= rowLo[row]!;
          hi ^= rowHi[row]!;
        }
      }
      tableLo[(k << 8) | b] = lo;
      tableHi[(k << 8) | b] = hi;
    }
  }
  return [tableLo, tableHi];
}

function wordsFromBytes(bytes: Uint8Array, offset: number): Int32Array {
  const words = new Int32Array(16);
  loadWords(bytes, offset, words);
  return words;
}

function loadWords(bytes: Uint8Array, offset: number, out: Int32Array): void {
  for (let i = 0; i < 16; i++) {
    const o = offset + 4 * i;
    out[i] = bytes[o]! | (bytes[o + 1]! << 8) | (bytes[o + 2]! << 16) | (bytes[o + 3]! << 24);
  }
}

function storeWords(words: Int32Array, out: Uint8Array, offset: number): void {
  for (let i = 0; i < 16; i++) {
    const w = words[i]!;
    const o = offset + 4 * i;
    out[o] = w;
    out[o + 1] = w >>> 8;
    out[o + 2] = w >>> 16;
    out[o + 3] = w >>> 24;
  }
}

/**
 * out = LPS(a ⊕ b). Output word w collects byte w of every input word k (that is τ), each through the
 * combined table for position k. `out` may alias `a` or `b`.
 */
function lpsXor(a: Int32Array, b: Int32Array, out: Int32Array): void {
  const x0 = a[0]! ^ b[0]!;
  const x1 = a[1]! ^ b[1]!;
  const x2 = a[2]! ^ b[2]!;
  const x3 = a[3]! ^ b[3]!;
  const x4 = a[4]! ^ b[4]!;
  const x5 = a[5]! ^ b[5]!;
  const x6 = a[6]! ^ b[6]!;
  const x7 = a[7]! ^ b[7]!;
  const x8 = a[8]! ^ b[8]!;
  const x9 = a[9]! ^ b[9]!;
  const x10 = a[10]! ^ b[10]!;
  const x11 = a[11]! ^ b[11]!;
  const x12 = a[12]! ^ b[12]!;
  const x13 = a[13]! ^ b[13]!;
  const x14 = a[14]! ^ b[14]!;
  const x15 = a[15]! ^ b[15]!;
  const L = LPS_LO;
  const H = LPS_HI;
  // Output word w gathers byte w of each input word k (that is τ) through the table for position k,
  // entry (k << 8) | byte. Bytes 0..3 of a word sit in its lo half.
  for (let w = 0; w < 4; w++) {
    const shift = w << 3;
    const j0 = (x0 >>> shift) & 0xff;
    const j1 = 0x100 | ((x2 >>> shift) & 0xff);
    const j2 = 0x200 | ((x4 >>> shift) & 0xff);
    const j3 = 0x300 | ((x6 >>> shift) & 0xff);
    const j4 = 0x400 | ((x8 >>> shift) & 0xff);
    const j5 = 0x500 | ((x10 >>> shift) & 0xff);
    const j6 = 0x600 | ((x12 >>> shift) & 0xff);
    const j7 = 0x700 | ((x14 >>> shift) & 0xff);
    out[w << 1] = L[j0]! ^ L[j1]! ^ L[j2]! ^ L[j3]! ^ L[j4]! ^ L[j5]! ^ L[j6]! ^ L[j7]!;
    out[(w << 1) | 1] = H[j0]! ^ H[j1]! ^ H[j2]! ^ H[j3]! ^ H[j4]! ^ H[j5]! ^ H[j6]! ^ H[j7]!;
  }
  // Bytes 4..7 sit in the hi halves.
  for (let w = 0; w < 4; w++) {
    const shift = w << 3;
    const j0 = (x1 >>> shift) & 0xff;
    const j1 = 0x100 | ((x3 >>> shift) & 0xff);
    const j2 = 0x200 | ((x5 >>> shift) & 0xff);
    const j3 = 0x300 | ((x7 >>> shift) & 0xff);
    const j4 = 0x400 | ((x9 >>> shift) & 0xff);
    const j5 = 0x500 | ((x11 >>> shift) & 0xff);
    const j6 = 0x600 | ((x13 >>> shift) & 0xff);
    const j7 = 0x700 | ((x15 >>> shift) & 0xff);
    out[(w + 4) << 1] = L[j0]! ^ L[j1]! ^ L[j2]! ^ L[j3]! ^ L[j4]! ^ L[j5]! ^ L[j6]! ^ L[j7]!;
    out[((w + 4) << 1) | 1] = H[j0]! ^ H[j1]! ^ H[j2]! ^ H[j3]! ^ H[j4]! ^ H[j5]! ^ H[j6]! ^ H[j7]!;
  }
}

/** 512-bit little-endian addition of `b` into `a` (16 limbs of 32 bits). */
function add512(a: Int32Array, b: Int32Array): void {
  let carry = 0;
  for (let i = 0; i < 16; i++) {
    const sum = (a[i]! >>> 0) + (b[i]! >>> 0) + carry;
    a[i] = sum | 0;
    carry = sum > 0xffffffff ? 1 : 0;
  }
}

/** 512-bit addition of a small non-negative integer (a bit count below 2^32). */
function addSmall512(a: Int32Array, value: number): void {
  let carry = value;
  for (let i = 0; i < 16 && carry !== 0; i++) {
    const sum = (a[i]! >>> 0) + carry;
    a[i] = sum | 0;
    carry = sum > 0xffffffff ? 1 : 0;
  }
}

const ZERO_WORDS = new Int32Array(16);

/**
 * The compression function g_N(h, m) = E(LPS(h ⊕ N), m) ⊕ h ⊕ m, written into h.
 * `key` and `state` are caller-provided scratch space so that hashing allocates nothing per block.
 */
function compress(h: Int32Array, n: Int32Array, m: Int32Array, key: Int32Array, state: Int32Array): void {
  lpsXor(h, n, key);
  state.set(m);
  for (let round = 0; round < 12; round++) {
    lpsXor(key, state, state);
    lpsXor(key, ROUND_KEYS[round]!, key);
  }
  for (let i = 0; i < 16; i++) {
    h[i] = h[i]! ^ key[i]! ^ state[i]! ^ m[i]!;
  }
}

/** An incremental Streebog computation. `digest()` finishes it; call `update` only before that. */
export interface StreebogHash {
  readonly outputLength: 32 | 64;
  readonly blockLength: 64;
  update(chunk: Uint8Array): StreebogHash;
  digest(): Uint8Array;
}

class StreebogState implements StreebogHash {
  readonly outputLength: 32 | 64;
  readonly blockLength = BLOCK_BYTES;
  private readonly h = new Int32Array(16);
  private readonly n = new Int32Array(16);
  private readonly sigma = new Int32Array(16);
  private readonly m = new Int32Array(16);
  private readonly key = new Int32Array(16);
  private readonly state = new Int32Array(16);
  private readonly pending = new Uint8Array(BLOCK_BYTES);
  private pendingLength = 0;
  private finished = false;

  constructor(size: StreebogSize) {
    if (size !== 256 && size !== 512) {
      throw new Error(`Streebog digest size must be 256 or 512 bits, got ${String(size)}`);
    }
    this.outputLength = size === 256 ? 32 : 64;
    // IV: 0x01 bytes for the 256-bit variant, zeros for 512.
    if (size === 256) this.h.fill(0x01010101);
  }

  update(chunk: Uint8Array): this {
    if (this.finished) throw new Error("Streebog: update() after digest()");
    let offset = 0;
    if (this.pendingLength > 0) {
      const take = Math.min(BLOCK_BYTES - this.pendingLength, chunk.length);
      this.pending.set(chunk.subarray(0, take), this.pendingLength);
      this.pendingLength += take;
      offset = take;
      if (this.pendingLength < BLOCK_BYTES) return this;
      this.absorb(this.pending, 0);
      this.pendingLength = 0;
    }
    for (; offset + BLOCK_BYTES <= chunk.length; offset += BLOCK_BYTES) {
      this.absorb(chunk, offset);
    }
    if (offset < chunk.length) {
      this.pending.set(chunk.subarray(offset));
      this.pendingLength = chunk.length - offset;
    }
    return this;
  }

  digest(): Uint8Array {
    if (this.finished) throw new Error("Streebog: digest() called twice");
    this.finished = true;
    // Stage 3: the remaining bytes, then 0x01, then zeros (in transmission order).
    const last = new Uint8Array(BLOCK_BYTES);
    last.set(this.pending.subarray(0, this.pendingLength));
    last[this.pendingLength] = 0x01;
    loadWords(last, 0, this.m);
    compress(this.h, this.n, this.m, this.key, this.state);
    addSmall512(this.n, this.pendingLength * 8);
    add512(this.sigma, this.m);
    compress(this.h, ZERO_WORDS, this.n, this.key, this.state);
    compress(this.h, ZERO_WORDS, this.sigma, this.key, this.state);
    const full = new Uint8Array(BLOCK_BYTES);
    storeWords(this.h, full, 0);
    // The 256-bit digest is the most significant half, i.e. the last 32 bytes.
    return this.outputLength === 64 ? full : full.slice(32);
  }

  private absorb(bytes: Uint8Array, offset: number): void {
    loadWords(bytes, offset, this.m);
    compress(this.h, this.n, this.m, this.key, this.state);
    addSmall512(this.n, BLOCK_BYTES * 8);
    add512(this.sigma, this.m);
  }
}

export function createStreebog(size: StreebogSize): StreebogHash {
  return new StreebogState(size);
}

export function streebog256(data: Uint8Array): Uint8Array {
  return new StreebogState(256).update(data).digest();
}

export function streebog512(data: Uint8Array): Uint8Array {
  return new StreebogState(512).update(data).digest();
}
