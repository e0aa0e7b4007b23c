/**
 * GOST R 34.11-94 hash (RFC 5831) with the CryptoPro (RFC 4357 §11.2) or test parameter set, and
 * HMAC_GOSTR3411 (RFC 4357 §3), built on the GOST 28147-89 cipher.
 *
 * Bytes in and out are in transmission order, as `openssl dgst -md_gost94` and pygost print them; RFC 5831
 * prints numbers most significant byte first, so its digests are the reversal of these. In this order every
 * 256-bit value is little-endian, a block splits into 64-bit words y1 = bytes 0..7, …, y4 = bytes 24..31, and
 * the cipher sees the standard GOST 28147-89 byte order.
 */
import { Gost28147 } from "./gost28147.ts";
import type { Gost28147SboxName } from "./gost28147-sboxes.ts";
import { type HashDefinition, hmac } from "./hmac.ts";

const BLOCK_BYTES = 32;

const PARAM_SETS: Readonly<Record<string, Gost28147SboxName>> = {
  "id-GostR3411-94-CryptoProParamSet": "id-GostR3411-94-CryptoProParamSet",
  "1.2.643.2.2.30.1": "id-GostR3411-94-CryptoProParamSet",
  "id-GostR3411-94-TestParamSet": "id-GostR3411-94-TestParamSet",
  "1.2.643.2.2.30.0": "id-GostR3411-94-TestParamSet",
};

export interface Gost341194Options {
  /** Name or OID of the hash parameter set; default id-GostR3411-94-CryptoProParamSet (openssl md_gost94). */
  paramSet?: string;
  /**
   * The digest of the empty message is implementation-defined. "cryptopro" (default: CryptoPro CSP and
   * gost-engine, hence the signatures we meet) hashes one all-zero block first; "rfc5831" follows the RFC
   * literally (pygost, rhash, libgcrypt). Non-empty messages hash the same either way.
   */
  emptyMessage?: "cryptopro" | "rfc5831";
}

/** C_3 of the key schedule (C_2 = C_4 = 0), as RFC 5831 prints it; reversed into transmission order. */
const C3 = Uint8Array.from(
  "ff00ffff000000ffff0000ff00ffff0000ff00ff00ff00ffff00ff00ff00ff00".match(/../g) ?? [],
  (pair) => Number.parseInt(pair, 16),
).reverse();

/** A(y1 | y2 | y3 | y4) = y2 | y3 | y4 | (y1 ⊕ y2). */
function transformA(y: Uint8Array): Uint8Array {
  const out = new Uint8Array(BLOCK_BYTES);
  out.set(y.subarray(8));
  for (let i = 0; i < 8; i++) out[24 + i] = (y[i] ?? 0) ^ (y[8 + i] ?? 0);
  return out;
}

/** P: byte 4a + b of the result is byte 8b + a of the input (a = 0..7, b = 0..3). */
function transformP(y: Uint8Array): Uint8Array {
  const out = new Uint8Array(BLOCK_BYTES);
  for (let a = 0; a < 8; a++) {
    for (let b = 0; b < 4; b++) out[4 * a + b] = y[8 * b + a] ?? 0;
  }
  return out;
}

/** ψ on sixteen 16-bit words z1..z16: z2 | … | z16 | (z1 ⊕ z2 ⊕ z3 ⊕ z4 ⊕ z13 ⊕ z16), applied `times` times in place. */
function psi(z: Uint8Array, times: number): void {
  for (let t = 0; t < times; t++) {
    const lo = (z[0] ?? 0) ^ (z[2] ?? 0) ^ (z[4] ?? 0) ^ (z[6] ?? 0) ^ (z[24] ?? 0) ^ (z[30] ?? 0);
    const hi = (z[1] ?? 0) ^ (z[3] ?? 0) ^ (z[5] ?? 0) ^ (z[7] ?? 0) ^ (z[25] ?? 0) ^ (z[31] ?? 0);
    z.copyWithin(0, 2);
    z[30] = lo;
    z[31] = hi;
  }
}

function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  return a.map((x, i) => x ^ (b[i] ?? 0));
}

/** 256-bit little-endian addition of `b` into `a`. */
function add256(a: Uint8Array, b: Uint8Array): void {
  let carry = 0;
  for (let i = 0; i < BLOCK_BYTES; i++) {
    carry += (a[i] ?? 0) + (b[i] ?? 0);
    a[i] = carry & 0xff;
    carry >>>= 8;
  }
}

/** The step function H_out = f(H_in, M). */
function step(cipher: Gost28147, h: Uint8Array, m: Uint8Array): Uint8Array {
  // Key generation.
  const keys: Uint8Array[] = [];
  let u = h;
  let v = m;
  keys.push(transformP(xor(u, v)));
  for (const constant of [null, C3, null]) {
    u = transformA(u);
    if (constant) u = xor(u, constant);
    v = transformA(transformA(v));
    keys.push(transformP(xor(u, v)));
  }
  // Encryption: s_i = E_{K_i}(h_i).
  const s = new Uint8Array(BLOCK_BYTES);
  keys.forEach((key, i) => {
    cipher.setKey(key);
    cipher.encryptBlock(h, 8 * i, s, 8 * i);
  });
  // Mixing: ψ^61(H ⊕ ψ(M ⊕ ψ^12(S))).
  psi(s, 12);
  const x = xor(s, m);
  psi(x, 1);
  const out = xor(x, h);
  psi(out, 61);
  return out;
}

export interface Gost341194Hash {
  readonly blockLength: 32;
  readonly outputLength: 32;
  update(chunk: Uint8Array): Gost341194Hash;
  digest(): Uint8Array;
}

class Gost341194State implements Gost341194Hash {
  readonly blockLength = BLOCK_BYTES;
  readonly outputLength = BLOCK_BYTES;
  private readonly cipher: Gost28147;
  private readonly emptyMessage: "cryptopro" | "rfc5831";
  private h: Uint8Array = new Uint8Array(BLOCK_BYTES);
  private readonly sigma = new Uint8Array(BLOCK_BYTES);
  private readonly pending = new Uint8Array(BLOCK_BYTES);
  private pendingLength = 0;
  /** Message length in bytes; a JS number is exact far beyond any message we can hold. */
  private length = 0;
  private finished = false;

  constructor(options: Gost341194Options) {
    const paramSet = options.paramSet ?? "id-GostR3411-94-CryptoProParamSet";
    const sbox = PARAM_SETS[paramSet];
    if (sbox === undefined) {
      throw new Error(`GOST R 34.11-94: unknown parameter set ${JSON.stringify(paramSet)}`);
    }
    this.emptyMessage = options.emptyMessage ?? "cryptopro";
    if (this.emptyMessage !== "cryptopro" && this.emptyMessage !== "rfc5831") {
      throw new Error(`GOST R 34.11-94: emptyMessage must be "cryptopro" or "rfc5831"`);
    }
    this.cipher = new Gost28147(new Uint8Array(32), sbox);
  }

  update(chunk: Uint8Array): this {
    if (this.finished) throw new Error("GOST R 34.11-94: update() after digest()");
    this.length += chunk.length;
    let i = 0;
    if (this.pendingLength > 0) {
      const take = Math.min(BLOCK_BYTES - this.pendingLength, chunk.length);
      this.pending.set(chunk.subarray(0, take), this.pendingLength);
      this.pendingLength += take;
      i = take;
      if (this.pendingLength < BLOCK_BYTES) return this;
      this.absorb(this.pending);
      this.pendingLength = 0;
    }
    for (; i + BLOCK_BYTES <= chunk.length; i += BLOCK_BYTES) this.absorb(chunk.subarray(i, i + BLOCK_BYTES));
    if (i < chunk.length) {
      this.pending.set(chunk.subarray(i));
      this.pendingLength = chunk.length - i;
    }
    return this;
  }

  digest(): Uint8Array {
    if (this.finished) throw new Error("GOST R 34.11-94: digest() called twice");
    this.finished = true;
    if (this.pendingLength > 0) {
      // The last partial block is padded with zeros up to 256 bits.
      const last = new Uint8Array(BLOCK_BYTES);
      last.set(this.pending.subarray(0, this.pendingLength));
      this.absorb(last);
    } else if (this.length === 0 && this.emptyMessage === "cryptopro") {
      this.h = step(this.cipher, this.h, new Uint8Array(BLOCK_BYTES));
    }
    this.h = step(this.cipher, this.h, littleEndian256(this.length * 8));
    this.h = step(this.cipher, this.h, this.sigma);
    return this.h.slice();
  }

  private absorb(block: Uint8Array): void {
    this.h = step(this.cipher, this.h, block);
    add256(this.sigma, block);
  }
}

function littleEndian256(value: number): Uint8Array {
  const out = new Uint8Array(BLOCK_BYTES);
  for (let i = 0, v = value; v > 0; i++, v = Math.floor(v / 256)) out[i] = v % 256;
  return out;
}

export function createGost341194(options: Gost341194Options = {}): Gost341194Hash {
  return new Gost341194State(options);
}

export function gost341194(data: Uint8Array, options: Gost341194Options = {}): Uint8Array {
  return createGost341194(options).update(data).digest();
}

/** HMAC_GOSTR3411 (RFC 4357 §3): HMAC over GOST R 34.11-94 with a 32-byte block. */
export function hmacGostr3411_94(
  key: Uint8Array,
  message: Uint8Array,
  options: Gost341194Options = {},
): Uint8Array {
  const definition: HashDefinition = { blockLength: BLOCK_BYTES, create: () => createGost341194(options) };
  return hmac(definition, key, message);
}
