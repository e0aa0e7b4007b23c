// biome-ignore-all lint/style/noNonNullAssertion: hot loops index fixed-size typed arrays within their bounds.
/**
 * GOST 28147-89 block cipher (RFC 5830) with named S-boxes: ECB, CFB, CNT ("gamma"), the MAC
 * ("imitovstavka") and CryptoPro key meshing (RFC 4357 §2.3).
 *
 * Byte order is the CryptoPro / gost-engine / RFC 4357 wire order: the 32-byte key gives K_i = LE32(key[4i..]),
 * and a block b[0..7] is N1 = LE32(b[0..3]), N2 = LE32(b[4..7]). (GOST R 34.12-2015 "Magma" prints the
 * opposite, big-endian, order.)
 */
import {
  CRYPTOPRO_KEY_MESHING_CONSTANT,
  DEFAULT_GOST28147_SBOX,
  GOST28147_SBOXES,
  type Gost28147SboxName,
  resolveGost28147Sbox,
} from "./gost28147-sboxes.ts";

export const GOST28147_KEY_BYTES = 32;
export const GOST28147_BLOCK_BYTES = 8;
/** CryptoPro key meshing changes the key after every 1024 bytes (128 blocks). */
const BLOCKS_PER_MESH = 1024 / GOST28147_BLOCK_BYTES;

export interface Gost28147Options {
  /** S-box name or parameter-set OID; default id-Gost28147-89-CryptoPro-A-ParamSet. */
  sbox?: string;
}

export interface Gost28147StreamOptions extends Gost28147Options {
  /** Apply CryptoPro key meshing (RFC 4357 §2.3.2) every 1024 bytes. Default false. */
  keyMeshing?: boolean;
}

export function requireLength(what: string, bytes: Uint8Array, length: number): void {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`GOST 28147-89: ${what} must be a Uint8Array`);
  if (bytes.length !== length) {
    throw new Error(`GOST 28147-89: ${what} must be ${length} bytes, got ${bytes.length}`);
  }
}

const roundTableCache = new Map<Gost28147SboxName, Int32Array>();

/**
 * The round function f(x) = (S(x) <<< 11) as four tables, one per input byte: table j maps byte j of x to
 * the substituted nibbles 2j and 2j+1, shifted into place and rotated.
 */
function roundTables(name: Gost28147SboxName): Int32Array {
  const cached = roundTableCache.get(name);
  if (cached) return cached;
  const rows = GOST28147_SBOXES[name];
  const table = new Int32Array(4 * 256);
  for (let j = 0; j < 4; j++) {
    const low = rows[2 * j]!;
    const high = rows[2 * j + 1]!;
    for (let b = 0; b < 256; b++) {
      const substituted = ((high[b >>> 4]! << 4) | low[b & 15]!) << (8 * j);
      table[(j << 8) | b] = (substituted << 11) | (substituted >>> 21);
    }
  }
  roundTableCache.set(name, table);
  return table;
}

function readWord(bytes: Uint8Array, offset: number): number {
  return bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24);
}

function writeWord(word: number, out: Uint8Array, offset: number): void {
  out[offset] = word;
  out[offset + 1] = word >>> 8;
  out[offset + 2] = word >>> 16;
  out[offset + 3] = word >>> 24;
}

/** A keyed GOST 28147-89 instance. Block results are returned through `words` as [LE32 of bytes 0..3, 4..7]. */
export class Gost28147 {
  readonly sbox: Gost28147SboxName;
  private readonly table: Int32Array;
  private readonly k = new Int32Array(8);
  /** Result of the last block operation in block layout. */
  readonly words = new Int32Array(2);

  constructor(key: Uint8Array, sbox: string = DEFAULT_GOST28147_SBOX) {
    this.sbox = resolveGost28147Sbox(sbox);
    this.table = roundTables(this.sbox);
    this.setKey(key);
  }

  setKey(key: Uint8Array): void {
    requireLength("key", key, GOST28147_KEY_BYTES);
    for (let i = 0; i < 8; i++) this.k[i] = readWord(key, 4 * i);
  }

  /** 32-round encryption of the block (n1, n2); the result lands in `this.words`. */
  encryptWords(n1: number, n2: number): void {
    const t = this.table;
    const k = this.k;
    let a = n1;
    let b = n2;
    let x: number;
    // K0..K7 three times, then K7..K0.
    for (let r = 0; r < 3; r++) {
      for (let i = 0; i < 8; i += 2) {
        x = (a + k[i]!) | 0;
        b ^= t[x & 255]! ^ t[256 | ((x >>> 8) & 255)]! ^ t[512 | ((x >>> 16) & 255)]! ^ t[768 | (x >>> 24)]!;
        x = (b + k[i + 1]!) | 0;
        a ^= t[x & 255]! ^ t[256 | ((x >>> 8) & 255)]! ^ t[512 | ((x >>> 16) & 255)]! ^ t[768 | (x >>> 24)]!;
      }
    }
    for (let i = 7; i > 0; i -= 2) {
      x = (a + k[i]!) | 0;
      b ^= t[x & 255]! ^ t[256 | ((x >>> 8) & 255)]! ^ t[512 | ((x >>> 16) & 255)]! ^ t[768 | (x >>> 24)]!;
      x = (b + k[i - 1]!) | 0;
      a ^= t[x & 255]! ^ t[256 | ((x >>> 8) & 255)]! ^ t[512 | ((x >>> 16) & 255)]! ^ t[768 | (x >>> 24)]!;
    }
    // The last round does not swap the halves.
    this.words[0] = b;
    this.words[1] = a;
  }

  /** 32-round decryption of the block (n1, n2); the result lands in `this.words`. */
  decryptWords(n1: number, n2: number): void {
    const t = this.table;
    const k = this.k;
    let a = n1;
    let b = n2;
    let x: number;
    // K0..K7 once, then K7..K0 three times.
    for (let i = 0; i < 8; i += 2) {
      x = (a + k[i]!) | 0;
      b ^= t[x & 255]! ^ t[256 | ((x >>> 8) & 255)]! ^ t[512 | ((x >>> 16) & 255)]! ^ t[768 | (x >>> 24)]!;
      x = (b + k[i + 1]!) | 0;
      a ^= t[x & 255]! ^ t[256 | ((x >>> 8) & 255)]! ^ t[512 | ((x >>> 16) & 255)]! ^ t[768 | (x >>> 24)]!;
    }
    for (let r = 0; r < 3; r++) {
      for (let i = 7; i > 0; i -= 2) {
        x = (a + k[i]!) | 0;
        b ^= t[x & 255]! ^ t[256 | ((x >>> 8) & 255)]! ^ t[512 | ((x >>> 16) & 255)]! ^ t[768 | (x >>> 24)]!;
        x = (b + k[i - 1]!) | 0;
        a ^= t[x & 255]! ^ t[256 | ((x >>> 8) & 255)]! ^ t[512 | ((x >>> 16) & 255)]! ^ t[768 | (x >>> 24)]!;
      }
    }
    this.words[0] = b;
    this.words[1] = a;
  }

  /** The 16-round MAC transform (K0..K7 twice) of (n1, n2), without the final swap; result in `this.words`. */
  macWords(n1: number, n2: number): void {
    const t = this.table;
    const k = this.k;
    let a = n1;
    let b = n2;
    let x: number;
    for (let r = 0; r < 2; r++) {
      for (let i = 0; i < 8; i += 2) {
        x = (a + k[i]!) | 0;
        b ^= t[x & 255]! ^ t[256 | ((x >>> 8) & 255)]! ^ t[512 | ((x >>> 16) & 255)]! ^ t[768 | (x >>> 24)]!;
        x = (b + k[i + 1]!) | 0;
        a ^= t[x & 255]! ^ t[256 | ((x >>> 8) & 255)]! ^ t[512 | ((x >>> 16) & 255)]! ^ t[768 | (x >>> 24)]!;
      }
    }
    this.words[0] = a;
    this.words[1] = b;
  }

  encryptBlock(input: Uint8Array, inOffset: number, output: Uint8Array, outOffset: number): void {
    this.encryptWords(readWord(input, inOffset), readWord(input, inOffset + 4));
    writeWord(this.words[0]!, output, outOffset);
    writeWord(this.words[1]!, output, outOffset + 4);
  }

  decryptBlock(input: Uint8Array, inOffset: number, output: Uint8Array, outOffset: number): void {
    this.decryptWords(readWord(input, inOffset), readWord(input, inOffset + 4));
    writeWord(this.words[0]!, output, outOffset);
    writeWord(this.words[1]!, output, outOffset + 4);
  }

  /**
   * CryptoPro key meshing (RFC 4357 §2.3.2), key part: K' = D_K(C). The caller re-encrypts its IV/register
   * under K' where the mode requires it (CFB and CNT do, the MAC does not).
   */
  meshKey(): void {
    const constant = Uint8Array.from(CRYPTOPRO_KEY_MESHING_CONSTANT);
    const next = new Uint8Array(GOST28147_KEY_BYTES);
    for (let i = 0; i < GOST28147_KEY_BYTES; i += 8) this.decryptBlock(constant, i, next, i);
    this.setKey(next);
  }
}

function requireBlockMultiple(what: string, data: Uint8Array): void {
  if (data.length % GOST28147_BLOCK_BYTES !== 0) {
    throw new Error(`GOST 28147-89 ECB: ${what} length must be a multiple of 8 bytes, got ${data.length}`);
  }
}

export function gost28147EncryptEcb(
  key: Uint8Array,
  data: Uint8Array,
  options: Gost28147Options = {},
): Uint8Array {
  requireBlockMultiple("plaintext", data);
  const cipher = new Gost28147(key, options.sbox);
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i += GOST28147_BLOCK_BYTES) cipher.encryptBlock(data, i, out, i);
  return out;
}

export function gost28147DecryptEcb(
  key: Uint8Array,
  data: Uint8Array,
  options: Gost28147Options = {},
): Uint8Array {
  requireBlockMultiple("ciphertext", data);
  const cipher = new Gost28147(key, options.sbox);
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i += GOST28147_BLOCK_BYTES) cipher.decryptBlock(data, i, out, i);
  return out;
}

/** A keystream mode (CFB or CNT) processing data in pieces of any length; output length = input length. */
export interface Gost28147Stream {
  update(chunk: Uint8Array): Uint8Array;
}

/**
 * Shared byte bookkeeping of the two gamma modes: a gamma block is produced on demand, XORed byte by byte,
 * and `consumed` tells the mode which input/output bytes made up the block (CFB feeds back ciphertext).
 */
abstract class GammaStream implements Gost28147Stream {
  protected readonly cipher: Gost28147;
  private readonly keyMeshing: boolean;
  private readonly gamma = new Uint8Array(GOST28147_BLOCK_BYTES);
  private gammaUsed = GOST28147_BLOCK_BYTES;
  private blocksSinceMesh = 0;
  /** Ciphertext bytes of the current block while it is processed byte by byte. */
  private readonly ciphertextBlock = new Uint8Array(GOST28147_BLOCK_BYTES);

  constructor(key: Uint8Array, iv: Uint8Array, options: Gost28147StreamOptions) {
    requireLength("IV", iv, GOST28147_BLOCK_BYTES);
    this.cipher = new Gost28147(key, options.sbox);
    this.keyMeshing = options.keyMeshing ?? false;
  }

  /** Computes the next gamma block into cipher.words; `meshed` says the key has just been meshed. */
  protected abstract nextGamma(meshed: boolean): void;
  /** Called with the ciphertext of each completed block (CFB feeds it back). */
  protected abstract blockDone(c0: number, c1: number): void;
  protected abstract readonly decrypting: boolean;

  update(chunk: Uint8Array): Uint8Array {
    const out = new Uint8Array(chunk.length);
    let i = 0;
    while (i < chunk.length) {
      if (this.gammaUsed === GOST28147_BLOCK_BYTES && i + GOST28147_BLOCK_BYTES <= chunk.length) {
        // Whole block: work on 32-bit words.
        this.refill();
        const in0 = readWord(chunk, i);
        const in1 = readWord(chunk, i + 4);
        const out0 = in0 ^ this.cipher.words[0]!;
        const out1 = in1 ^ this.cipher.words[1]!;
        writeWord(out0, out, i);
        writeWord(out1, out, i + 4);
        this.gammaUsed = GOST28147_BLOCK_BYTES;
        this.blockDone(this.decrypting ? in0 : out0, this.decrypting ? in1 : out1);
        i += GOST28147_BLOCK_BYTES;
        continue;
      }
      if (this.gammaUsed === GOST28147_BLOCK_BYTES) this.refill();
      const input = chunk[i]!;
      const output = input ^ this.gamma[this.gammaUsed]!;
      out[i] = output;
      this.ciphertextBlock[this.gammaUsed] = this.decrypting ? input : output;
      this.gammaUsed++;
      i++;
      if (this.gammaUsed === GOST28147_BLOCK_BYTES) {
        this.blockDone(readWord(this.ciphertextBlock, 0), readWord(this.ciphertextBlock, 4));
      }
    }
    return out;
  }

  private refill(): void {
    let meshed = false;
    if (this.keyMeshing && this.blocksSinceMesh === BLOCKS_PER_MESH) {
      this.cipher.meshKey();
      this.blocksSinceMesh = 0;
      meshed = true;
    }
    this.nextGamma(meshed);
    writeWord(this.cipher.words[0]!, this.gamma, 0);
    writeWord(this.cipher.words[1]!, this.gamma, 4);
    this.gammaUsed = 0;
    this.blocksSinceMesh++;
  }
}

class CfbStream extends GammaStream {
  protected readonly decrypting: boolean;
  /** The feedback register: the IV, then the previous ciphertext block. */
  private r0: number;
  private r1: number;

  constructor(key: Uint8Array, iv: Uint8Array, options: Gost28147StreamOptions, decrypting: boolean) {
    super(key, iv, options);
    this.decrypting = decrypting;
    this.r0 = readWord(iv, 0);
    this.r1 = readWord(iv, 4);
  }

  protected nextGamma(meshed: boolean): void {
    if (meshed) {
      // IV' = E_K'(IV): the register is re-encrypted under the new key, then encrypted again for the gamma.
      this.cipher.encryptWords(this.r0, this.r1);
      this.r0 = this.cipher.words[0]!;
      this.r1 = this.cipher.words[1]!;
    }
    this.cipher.encryptWords(this.r0, this.r1);
  }

  protected blockDone(c0: number, c1: number): void {
    this.r0 = c0;
    this.r1 = c1;
  }
}

/** CNT counter constants (RFC 5830 §6): N3 += C2 mod 2^32, N4 += C1 mod (2^32 − 1). */
const CNT_C1 = 0x01010104;
const CNT_C2 = 0x01010101;

class CntStream extends GammaStream {
  protected readonly decrypting = false;
  private c0 = 0;
  private c1 = 0;
  private started = false;
  private readonly iv: Uint8Array;

  constructor(key: Uint8Array, iv: Uint8Array, options: Gost28147StreamOptions) {
    super(key, iv, options);
    this.iv = iv.slice();
  }

  protected nextGamma(meshed: boolean): void {
    if (!this.started) {
      // S = E_K(IV) seeds the counter.
      this.cipher.encryptWords(readWord(this.iv, 0), readWord(this.iv, 4));
      this.c0 = this.cipher.words[0]!;
      this.c1 = this.cipher.words[1]!;
      this.started = true;
    } else if (meshed) {
      // As gost-engine and CryptoPro do: the counter state is encrypted under the meshed key.
      this.cipher.encryptWords(this.c0, this.c1);
      this.c0 = this.cipher.words[0]!;
      this.c1 = this.cipher.words[1]!;
    }
    this.c0 = (this.c0 + CNT_C2) | 0;
    // Addition modulo 2^32 − 1 as gost-engine does it: add, and on a carry out of 32 bits add one.
    const sum = (this.c1 >>> 0) + CNT_C1;
    this.c1 = sum > 0xffffffff ? (sum + 1) | 0 : sum | 0;
    this.cipher.encryptWords(this.c0, this.c1);
  }

  protected blockDone(): void {
    // The counter does not depend on the ciphertext.
  }
}

export function createGost28147CfbEncryptor(
  key: Uint8Array,
  iv: Uint8Array,
  options: Gost28147StreamOptions = {},
): Gost28147Stream {
  return new CfbStream(key, iv, options, false);
}

export function createGost28147CfbDecryptor(
  key: Uint8Array,
  iv: Uint8Array,
  options: Gost28147StreamOptions = {},
): Gost28147Stream {
  return new CfbStream(key, iv, options, true);
}

/** CFB encryption; the last partial block is truncated (stream use), so output length = input length. */
export function gost28147EncryptCfb(
  key: Uint8Array,
  iv: Uint8Array,
  plaintext: Uint8Array,
  options: Gost28147StreamOptions = {},
): Uint8Array {
  return createGost28147CfbEncryptor(key, iv, options).update(plaintext);
}

export function gost28147DecryptCfb(
  key: Uint8Array,
  iv: Uint8Array,
  ciphertext: Uint8Array,
  options: Gost28147StreamOptions = {},
): Uint8Array {
  return createGost28147CfbDecryptor(key, iv, options).update(ciphertext);
}

/** CNT ("gamma") mode; the same operation encrypts and decrypts. */
export function createGost28147Cnt(
  key: Uint8Array,
  iv: Uint8Array,
  options: Gost28147StreamOptions = {},
): Gost28147Stream {
  return new CntStream(key, iv, options);
}

export function gost28147Cnt(
  key: Uint8Array,
  iv: Uint8Array,
  data: Uint8Array,
  options: Gost28147StreamOptions = {},
): Uint8Array {
  return createGost28147Cnt(key, iv, options).update(data);
}

export interface Gost28147MacOptions extends Gost28147StreamOptions {
  /** Initial 8-byte state (RFC 4357 key wrap uses the UKM); default zeros. */
  iv?: Uint8Array;
  /**
   * Messages of 1..8 bytes: "cryptopro" (gost-engine, CryptoPro CSP, RFC 4357 implementations) MACs one
   * more all-zero block; "literal" (libgcl3, pygost) MACs the zero-padded block alone. Default "cryptopro".
   */
  shortMessage?: "cryptopro" | "literal";
}

export interface Gost28147Mac {
  update(chunk: Uint8Array): Gost28147Mac;
  /** The leading `length` bytes (1..8; default 4, the standard 32-bit MAC) of the final state. */
  digest(length?: number): Uint8Array;
}

class MacState implements Gost28147Mac {
  private readonly cipher: Gost28147;
  private readonly keyMeshing: boolean;
  private readonly shortMessage: "cryptopro" | "literal";
  private s0: number;
  private s1: number;
  private readonly pending = new Uint8Array(GOST28147_BLOCK_BYTES);
  private pendingLength = 0;
  private blocksSinceMesh = 0;
  private total = 0;
  private finished = false;

  constructor(key: Uint8Array, options: Gost28147MacOptions) {
    this.cipher = new Gost28147(key, options.sbox);
    this.keyMeshing = options.keyMeshing ?? false;
    this.shortMessage = options.shortMessage ?? "cryptopro";
    if (this.shortMessage !== "cryptopro" && this.shortMessage !== "literal") {
      throw new Error(`GOST 28147-89 MAC: shortMessage must be "cryptopro" or "literal"`);
    }
    const iv = options.iv ?? new Uint8Array(GOST28147_BLOCK_BYTES);
    requireLength("MAC IV", iv, GOST28147_BLOCK_BYTES);
    this.s0 = readWord(iv, 0);
    this.s1 = readWord(iv, 4);
  }

  update(chunk: Uint8Array): this {
    if (this.finished) throw new Error("GOST 28147-89 MAC: update() after digest()");
    this.total += chunk.length;
    let i = 0;
    if (this.pendingLength > 0) {
      while (i < chunk.length && this.pendingLength < GOST28147_BLOCK_BYTES)
        this.pending[this.pendingLength++] = chunk[i++]!;
      if (this.pendingLength < GOST28147_BLOCK_BYTES) return this;
      this.absorb(readWord(this.pending, 0), readWord(this.pending, 4));
      this.pendingLength = 0;
    }
    for (; i + GOST28147_BLOCK_BYTES <= chunk.length; i += GOST28147_BLOCK_BYTES) {
      this.absorb(readWord(chunk, i), readWord(chunk, i + 4));
    }
    while (i < chunk.length) this.pending[this.pendingLength++] = chunk[i++]!;
    return this;
  }

  digest(length = 4): Uint8Array {
    if (!Number.isInteger(length) || length < 1 || length > GOST28147_BLOCK_BYTES) {
      throw new Error(`GOST 28147-89 MAC: length must be 1..8 bytes, got ${String(length)}`);
    }
    if (this.finished) throw new Error("GOST 28147-89 MAC: digest() called twice");
    this.finished = true;
    if (this.pendingLength > 0) {
      this.pending.fill(0, this.pendingLength);
      this.absorb(readWord(this.pending, 0), readWord(this.pending, 4));
    }
    if (this.shortMessage === "cryptopro" && this.total > 0 && this.total <= GOST28147_BLOCK_BYTES) {
      this.absorb(0, 0);
    }
    const state = new Uint8Array(GOST28147_BLOCK_BYTES);
    writeWord(this.s0, state, 0);
    writeWord(this.s1, state, 4);
    return state.slice(0, length);
  }

  private absorb(m0: number, m1: number): void {
    // Only the key is meshed: CryptoPro does not treat the MAC state as an IV here (gost-engine mac_block_mesh).
    if (this.keyMeshing && this.blocksSinceMesh === BLOCKS_PER_MESH) {
      this.cipher.meshKey();
      this.blocksSinceMesh = 0;
    }
    this.cipher.macWords(this.s0 ^ m0, this.s1 ^ m1);
    this.s0 = this.cipher.words[0]!;
    this.s1 = this.cipher.words[1]!;
    this.blocksSinceMesh++;
  }
}

export function createGost28147Mac(key: Uint8Array, options: Gost28147MacOptions = {}): Gost28147Mac {
  return new MacState(key, options);
}

export function gost28147Mac(
  key: Uint8Array,
  data: Uint8Array,
  options: Gost28147MacOptions & { length?: number } = {},
): Uint8Array {
  return createGost28147Mac(key, options).update(data).digest(options.length);
}
