import assert from "node:assert/strict";
import { test } from "node:test";
import { gost28147DecryptCfb } from "../../../src/crypto/gost/gost28147.ts";
import {
  diversifyKekCryptoPro,
  unwrapKeyCryptoPro,
  unwrapKeyGost28147,
  wrapKeyCryptoPro,
  wrapKeyGost28147,
} from "../../../src/crypto/gost/gost28147-keywrap.ts";
import { readVectorJson } from "../../support/vectors.ts";
import { fromHex, hex } from "./helpers.ts";

interface KeyWrapVector {
  id: string;
  wrap_algorithm: string;
  sbox: string;
  kek: string;
  ukm: string;
  kek_ukm?: string;
  cek: string;
  cek_enc: string;
  cek_mac: string;
  wrapped: string;
  content: {
    iv: string;
    sbox: string;
    ciphertext: string;
    plaintext_ascii?: string;
    plaintext_description?: string;
  };
}
const { vectors } = readVectorJson<{ vectors: KeyWrapVector[] }>("gost-legacy/gost_keywrap.json");

const isCryptoProWrap = (v: KeyWrapVector): boolean => v.wrap_algorithm.startsWith("CryptoPro Key Wrap");
const plaintextOf = (content: KeyWrapVector["content"]): string => {
  if (content.plaintext_ascii !== undefined) return content.plaintext_ascii;
  assert.equal(content.plaintext_description, "'Test data to encrypt.\\n' x 100");
  return "Test data to encrypt.\n".repeat(100);
};

test("the key-wrap file holds three vectors of each wrap", () => {
  assert.equal(vectors.length, 6);
  assert.equal(vectors.filter(isCryptoProWrap).length, 3);
});

for (const v of vectors) {
  const kind = isCryptoProWrap(v) ? "CryptoPro key wrap" : "GOST 28147-89 key wrap";
  const options = { sbox: v.sbox };

  test(`${kind} reproduces the wrapped key of ${v.id}`, () => {
    const wrap = isCryptoProWrap(v) ? wrapKeyCryptoPro : wrapKeyGost28147;
    const wrapped = wrap(fromHex(v.kek), fromHex(v.ukm), fromHex(v.cek), options);
    assert.equal(hex(wrapped), v.wrapped);
    assert.equal(v.wrapped, v.ukm + v.cek_enc + v.cek_mac);
  });

  test(`${kind} unwraps the CEK of ${v.id}`, () => {
    const unwrap = isCryptoProWrap(v) ? unwrapKeyCryptoPro : unwrapKeyGost28147;
    assert.equal(hex(unwrap(fromHex(v.kek), fromHex(v.wrapped), options)), v.cek);
  });

  test(`${kind} unwrap of ${v.id} rejects a wrapped key with a flipped MAC bit`, () => {
    const unwrap = isCryptoProWrap(v) ? unwrapKeyCryptoPro : unwrapKeyGost28147;
    const tampered = fromHex(v.wrapped);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 0x01;
    assert.throws(() => unwrap(fromHex(v.kek), tampered, options), /MAC does not match/);
  });

  test(`${kind} unwrap of ${v.id} rejects the wrong KEK`, () => {
    const unwrap = isCryptoProWrap(v) ? unwrapKeyCryptoPro : unwrapKeyGost28147;
    const wrongKek = fromHex(v.kek);
    wrongKek[0] = (wrongKek[0] ?? 0) ^ 0x80;
    assert.throws(() => unwrap(wrongKek, fromHex(v.wrapped), options), /MAC does not match/);
  });

  if (v.kek_ukm !== undefined) {
    const kekUkm = v.kek_ukm;
    test(`CryptoPro KEK diversification matches ${v.id}`, () => {
      assert.equal(hex(diversifyKekCryptoPro(fromHex(v.kek), fromHex(v.ukm), options)), kekUkm);
    });
  }

  test(`the unwrapped CEK of ${v.id} decrypts its CMS content (CFB with key meshing)`, () => {
    const plaintext = gost28147DecryptCfb(
      fromHex(v.cek),
      fromHex(v.content.iv),
      fromHex(v.content.ciphertext),
      {
        sbox: v.content.sbox,
        keyMeshing: true,
      },
    );
    assert.equal(Buffer.from(plaintext).toString("latin1"), plaintextOf(v.content));
  });
}

test("a GOST 28147-89 wrap round-trips a random CEK", () => {
  const kek = new Uint8Array(32).map((_, i) => i * 3);
  const ukm = fromHex("0102030405060708");
  const cek = new Uint8Array(32).map((_, i) => 200 - i);
  assert.equal(hex(unwrapKeyGost28147(kek, wrapKeyGost28147(kek, ukm, cek))), hex(cek));
  assert.equal(hex(unwrapKeyCryptoPro(kek, wrapKeyCryptoPro(kek, ukm, cek))), hex(cek));
});

test("the key wraps reject keys, UKMs and wrapped keys of the wrong length", () => {
  const k = new Uint8Array(32);
  assert.throws(
    () => wrapKeyGost28147(new Uint8Array(16), new Uint8Array(8), k),
    /KEK must be 32 bytes, got 16/,
  );
  assert.throws(() => wrapKeyCryptoPro(k, new Uint8Array(7), k), /UKM must be 8 bytes, got 7/);
  assert.throws(
    () => wrapKeyGost28147(k, new Uint8Array(8), new Uint8Array(33)),
    /CEK must be 32 bytes, got 33/,
  );
  assert.throws(() => unwrapKeyCryptoPro(k, new Uint8Array(43)), /wrapped key must be 44 bytes, got 43/);
});
