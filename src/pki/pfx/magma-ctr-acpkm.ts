/**
 * Magma (GOST R 34.12-2015, 64-bit) CTR-ACPKM and OMAC as the 2020 TC26 PFX profile uses them in PBES2
 * (id-gostr3412-2015-magma-ctracpkm 1.2.643.7.1.1.5.1.1 and …-omac 1.2.643.7.1.1.5.1.2). Magma is GOST 28147-89
 * with the id-tc26-gost-28147-param-Z S-box, in big-endian byte order: our GOST 28147-89 code (little-endian,
 * the CryptoPro wire order) runs on byte-reversed blocks and word-reversed keys.
 * ACPKM re-keys after every 8 KiB section; content longer than one section is refused, since no vector here
 * exercises the re-keying.
 */
import { Gost28147 } from "../../crypto/gost/gost28147.ts";
import { kdfTreeGostr3411_2012_256 } from "../../crypto/gost/kdf-gostr3411-2012.ts";

const PARAM_Z = "1.2.643.7.1.2.5.1.1";
const BLOCK = 8;
const SECTION_BYTES = 8 * 1024;
const TAG_BYTES = 8;
const KDF_TREE_LABEL = new TextEncoder().encode("kdf tree");

/** A Magma encryptor of one 8-byte big-endian block. */
function magma(key: Uint8Array): (block: Uint8Array) => Uint8Array {
  const wordReversed = new Uint8Array(32);
  for (let i = 0; i < 32; i++) wordReversed[i] = key[(i & ~3) + 3 - (i & 3)] ?? 0;
  const cipher = new Gost28147(wordReversed, PARAM_Z);
  return (block) => {
    const out = new Uint8Array(BLOCK);
    cipher.encryptBlock(block.slice().reverse(), 0, out, 0);
    return out.reverse();
  };
}

/** CTR (GOST R 34.13-2015 §4.4) with the counter IV ‖ 0…0, within one ACPKM section. */
function ctr(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  if (data.length > SECTION_BYTES) {
    throw new Error("unsupported PFX algorithm: Magma CTR-ACPKM content longer than one 8 KiB section");
  }
  if (iv.length !== BLOCK / 2) throw new Error("malformed PFX: Magma CTR-ACPKM IV is not 4 bytes");
  const encrypt = magma(key);
  const counter = new Uint8Array(BLOCK);
  counter.set(iv);
  const out = new Uint8Array(data.length);
  for (let offset = 0; offset < data.length; offset += BLOCK) {
    const gamma = encrypt(counter);
    for (let i = 0; i < BLOCK && offset + i < data.length; i++)
      out[offset + i] = (data[offset + i] ?? 0) ^ (gamma[i] ?? 0);
    for (let i = BLOCK - 1; i >= 0; i--) {
      counter[i] = ((counter[i] ?? 0) + 1) & 0xff;
      if (counter[i] !== 0) break;
    }
  }
  return out;
}

/** OMAC (CMAC, GOST R 34.13-2015 §5.6) with Magma: R = E(0), K1 = R·x, K2 = K1·x, B = 0x1B. */
function omac(key: Uint8Array, data: Uint8Array): Uint8Array {
  const encrypt = magma(key);
  const double = (value: Uint8Array) => {
    const out = new Uint8Array(BLOCK);
    for (let i = 0; i < BLOCK; i++) out[i] = (((value[i] ?? 0) << 1) | ((value[i + 1] ?? 0) >>> 7)) & 0xff;
    if ((value[0] ?? 0) & 0x80) out[BLOCK - 1] = (out[BLOCK - 1] ?? 0) ^ 0x1b;
    return out;
  };
  const k1 = double(encrypt(new Uint8Array(BLOCK)));
  const complete = data.length > 0 && data.length % BLOCK === 0;
  const blocks = Math.max(1, Math.ceil(data.length / BLOCK));
  let state: Uint8Array = new Uint8Array(BLOCK);
  for (let b = 0; b < blocks; b++) {
    const block = new Uint8Array(BLOCK);
    block.set(data.subarray(b * BLOCK, b * BLOCK + BLOCK));
    if (b === blocks - 1) {
      if (!complete) block[data.length - b * BLOCK] = 0x80;
      const last = complete ? k1 : double(k1);
      for (let i = 0; i < BLOCK; i++) block[i] = (block[i] ?? 0) ^ (last[i] ?? 0);
    }
    for (let i = 0; i < BLOCK; i++) block[i] = (block[i] ?? 0) ^ (state[i] ?? 0);
    state = encrypt(block);
  }
  return state;
}

/** ukm = IV (4 bytes) ‖ KDF_TREE seed (8 bytes). */
export function magmaCtrAcpkmDecrypt(
  key: Uint8Array,
  ukm: Uint8Array,
  ciphertext: Uint8Array,
  withOmac: boolean,
) {
  if (ukm.length !== 12) throw new Error("malformed PFX: Magma CTR-ACPKM ukm is not 12 bytes");
  const iv = ukm.subarray(0, 4);
  if (!withOmac) return ctr(key, iv, ciphertext);
  const keys = kdfTreeGostr3411_2012_256(key, KDF_TREE_LABEL, ukm.subarray(4), 64);
  const plain = ctr(keys.subarray(0, 32), iv, ciphertext);
  const content = plain.subarray(0, plain.length - TAG_BYTES);
  const tag = omac(keys.subarray(32), content);
  if (tag.some((b, i) => b !== plain[content.length + i])) {
    throw new Error("wrong password: the Magma OMAC of the PFX content does not verify");
  }
  return content;
}
