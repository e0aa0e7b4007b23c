/**
 * CTR-ACPKM and OMAC (GOST R 34.13-2015, R 1323565.1.017) with Magma or Kuznyechik, as the 2020 TC26 PFX
 * profile (RFC 9548) uses them in PBES2: id-gostr3412-2015-{magma,kuznyechik}-ctracpkm (…5.1.1, …5.2.1) and
 * …-ctracpkm-omac (…5.1.2, …5.2.2). Without OMAC the PBKDF2 key encrypts; with it, KDF_TREE makes an encryption
 * and a MAC key, and the decrypted content ends with OMAC(content). ACPKM re-keys after every section (8 KiB for
 * Magma, 256 KiB for Kuznyechik); content longer than one section is refused, since no vector here exercises
 * the re-keying.
 */
import { Gost28147 } from "../../crypto/gost/gost28147.ts";
import { kdfTreeGostr3411_2012_256 } from "../../crypto/gost/kdf-gostr3411-2012.ts";
import { kuznyechikEncryptor } from "../../crypto/gost/kuznyechik.ts";

interface BlockCipher {
  readonly name: string;
  readonly blockBytes: number;
  readonly sectionBytes: number;
  /** The constant of OMAC's subkey doubling: 0x1B for 64-bit blocks, 0x87 for 128-bit ones. */
  readonly rb: number;
  encryptor(key: Uint8Array): (block: Uint8Array) => Uint8Array;
}

/**
 * Magma is GOST 28147-89 with the id-tc26-gost-28147-param-Z S-box in big-endian byte order: our GOST 28147-89
 * code (little-endian, the CryptoPro wire order) runs on byte-reversed blocks and word-reversed keys.
 */
const MAGMA: BlockCipher = {
  name: "Magma",
  blockBytes: 8,
  sectionBytes: 8 * 1024,
  rb: 0x1b,
  encryptor: (key) => {
    const wordReversed = new Uint8Array(32);
    for (let i = 0; i < 32; i++) wordReversed[i] = key[(i & ~3) + 3 - (i & 3)] ?? 0;
    const cipher = new Gost28147(wordReversed, "1.2.643.7.1.2.5.1.1");
    return (block) => {
      const out = new Uint8Array(8);
      cipher.encryptBlock(block.slice().reverse(), 0, out, 0);
      return out.reverse();
    };
  },
};

const KUZNYECHIK: BlockCipher = {
  name: "Kuznyechik",
  blockBytes: 16,
  sectionBytes: 256 * 1024,
  rb: 0x87,
  encryptor: kuznyechikEncryptor,
};

/** Cipher OIDs → the block cipher and whether an OMAC tag follows the content. */
export const CTR_ACPKM_CIPHERS: Readonly<Record<string, { cipher: BlockCipher; omac: boolean }>> = {
  "1.2.643.7.1.1.5.1.1": { cipher: MAGMA, omac: false },
  "1.2.643.7.1.1.5.1.2": { cipher: MAGMA, omac: true },
  "1.2.643.7.1.1.5.2.1": { cipher: KUZNYECHIK, omac: false },
  "1.2.643.7.1.1.5.2.2": { cipher: KUZNYECHIK, omac: true },
};

const KDF_TREE_LABEL = new TextEncoder().encode("kdf tree");

/** CTR (GOST R 34.13-2015 §4.4) with the counter IV ‖ 0…0, within one ACPKM section. */
function ctr(cipher: BlockCipher, key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  if (data.length > cipher.sectionBytes) {
    throw new Error(`unsupported PFX algorithm: ${cipher.name} CTR-ACPKM content longer than one section`);
  }
  const n = cipher.blockBytes;
  const encrypt = cipher.encryptor(key);
  const counter = new Uint8Array(n);
  counter.set(iv);
  const out = new Uint8Array(data.length);
  for (let offset = 0; offset < data.length; offset += n) {
    const gamma = encrypt(counter);
    for (let i = 0; i < n && offset + i < data.length; i++)
      out[offset + i] = (data[offset + i] ?? 0) ^ (gamma[i] ?? 0);
    for (let i = n - 1; i >= 0; i--) {
      counter[i] = ((counter[i] ?? 0) + 1) & 0xff;
      if (counter[i] !== 0) break;
    }
  }
  return out;
}

/** OMAC (CMAC, GOST R 34.13-2015 §5.6): R = E(0), K1 = R·x, K2 = K1·x; the last block padded 80 00… gets K2. */
function omac(cipher: BlockCipher, key: Uint8Array, data: Uint8Array): Uint8Array {
  const n = cipher.blockBytes;
  const encrypt = cipher.encryptor(key);
  const double = (value: Uint8Array) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = (((value[i] ?? 0) << 1) | ((value[i + 1] ?? 0) >>> 7)) & 0xff;
    if ((value[0] ?? 0) & 0x80) out[n - 1] = (out[n - 1] ?? 0) ^ cipher.rb;
    return out;
  };
  const k1 = double(encrypt(new Uint8Array(n)));
  const complete = data.length > 0 && data.length % n === 0;
  const blocks = Math.max(1, Math.ceil(data.length / n));
  let state: Uint8Array = new Uint8Array(n);
  for (let b = 0; b < blocks; b++) {
    const block = new Uint8Array(n);
    block.set(data.subarray(b * n, b * n + n));
    if (b === blocks - 1) {
      if (!complete) block[data.length - b * n] = 0x80;
      const last = complete ? k1 : double(k1);
      for (let i = 0; i < n; i++) block[i] = (block[i] ?? 0) ^ (last[i] ?? 0);
    }
    for (let i = 0; i < n; i++) block[i] = (block[i] ?? 0) ^ (state[i] ?? 0);
    state = encrypt(block);
  }
  return state;
}

/** ukm = IV (half a block) ‖ KDF_TREE seed (8 bytes), as Gost3412-15-Encryption-Parameters carries it. */
export function ctrAcpkmDecrypt(
  oid: string,
  key: Uint8Array,
  ukm: Uint8Array,
  ciphertext: Uint8Array,
): Uint8Array {
  const mode = CTR_ACPKM_CIPHERS[oid];
  if (!mode) throw new Error(`unsupported PFX algorithm: cipher ${oid}`);
  const { cipher, omac: withOmac } = mode;
  const half = cipher.blockBytes / 2;
  if (ukm.length !== half + 8)
    throw new Error(`malformed PFX: ${cipher.name} CTR-ACPKM ukm of ${ukm.length} bytes`);
  const iv = ukm.subarray(0, half);
  if (!withOmac) return ctr(cipher, key, iv, ciphertext);
  const keys = kdfTreeGostr3411_2012_256(key, KDF_TREE_LABEL, ukm.subarray(half), 64);
  const plain = ctr(cipher, keys.subarray(0, 32), iv, ciphertext);
  const content = plain.subarray(0, plain.length - cipher.blockBytes);
  const tag = omac(cipher, keys.subarray(32), content);
  if (tag.some((b, i) => b !== plain[content.length + i])) {
    throw new Error(`wrong password: the ${cipher.name} OMAC of the PFX content does not verify`);
  }
  return content;
}
