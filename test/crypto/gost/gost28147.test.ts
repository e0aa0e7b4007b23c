import assert from "node:assert/strict";
import { test } from "node:test";
import {
  createGost28147CfbDecryptor,
  createGost28147CfbEncryptor,
  createGost28147Cnt,
  createGost28147Mac,
  Gost28147,
  gost28147Cnt,
  gost28147DecryptCfb,
  gost28147DecryptEcb,
  gost28147EncryptCfb,
  gost28147EncryptEcb,
  gost28147Mac,
} from "../../../src/crypto/gost/gost28147.ts";
import {
  CRYPTOPRO_KEY_MESHING_CONSTANT,
  GOST28147_SBOX_OIDS,
  GOST28147_SBOXES,
  type Gost28147SboxName,
  resolveGost28147Sbox,
} from "../../../src/crypto/gost/gost28147-sboxes.ts";
import { readVectorJson } from "../../support/vectors.ts";
import {
  feedZeros,
  fromHex,
  hex,
  LONG_INPUT_THRESHOLD,
  LONG_TESTS_ENABLED,
  sha256Hex,
  TailKeeper,
} from "./helpers.ts";

interface SboxFile {
  sboxes: { name: string; oid: string; rows: number[][] }[];
  cryptopro_key_meshing_constant: { value: string };
}
interface EcbVector {
  id: string;
  sbox: string;
  key: string;
  plaintext: string;
  ciphertext: string;
}
interface StreamVector {
  id: string;
  sbox: string;
  key: string;
  iv: string;
  plaintext: string;
  plaintext_length?: number;
  ciphertext?: string;
  ciphertext_last16?: string;
  key_meshing: string;
}
interface MacVector {
  id: string;
  sbox: string;
  key: string;
  iv: string;
  mac_bits: number;
  message?: string;
  message_length?: number;
  message_description?: string;
  message_sha256?: string;
  mac: string;
  key_meshing?: string;
}
interface CrosscheckResult {
  id: string;
  mode: "G89_CFB" | "G89_CNT" | "G89_IMIT";
  length: number;
  expected: string;
  got: string;
  result: string;
}

const sboxFile = readVectorJson<SboxFile>("gost-legacy/gost28147_sboxes.json");
const ecb = readVectorJson<{ vectors: EcbVector[] }>("gost-legacy/gost28147_ecb.json").vectors;
const cfb = readVectorJson<{ vectors: StreamVector[] }>("gost-legacy/gost28147_cfb.json").vectors;
const cnt = readVectorJson<{ vectors: StreamVector[] }>("gost-legacy/gost28147_cnt.json").vectors;
const mac = readVectorJson<{ vectors: MacVector[] }>("gost-legacy/gost28147_mac.json").vectors;
const crosscheck = readVectorJson<{ results: CrosscheckResult[] }>(
  "gost-legacy/crosscheck_long.json",
).results;

/** The vector files describe meshing in words: "none (…)" or "… on …" / "… exercised". */
const meshingOf = (v: { key_meshing?: string; id: string }): boolean =>
  v.key_meshing === undefined ? v.id.startsWith("engine-") : !v.key_meshing.startsWith("none");

const isLong = (length: number | undefined): boolean => (length ?? 0) > LONG_INPUT_THRESHOLD;
const skipLong = (length: number | undefined): string | false =>
  isLong(length) && !LONG_TESTS_ENABLED ? "multi-GiB input: set CERTCHAT_GOST_LONG_TESTS=1 to run" : false;

// --- S-boxes -------------------------------------------------------------------------------------------------

test("the S-box tables equal the eight published in the vector file, under the same OIDs", () => {
  assert.equal(Object.keys(GOST28147_SBOXES).length, sboxFile.sboxes.length);
  for (const s of sboxFile.sboxes) {
    assert.deepEqual(GOST28147_SBOXES[s.name as Gost28147SboxName], s.rows, s.name);
    assert.equal(GOST28147_SBOX_OIDS[s.oid], s.name);
    assert.equal(resolveGost28147Sbox(s.oid), s.name);
  }
});

test("the CryptoPro key-meshing constant equals the published one", () => {
  assert.equal(
    hex(Uint8Array.from(CRYPTOPRO_KEY_MESHING_CONSTANT)),
    sboxFile.cryptopro_key_meshing_constant.value,
  );
});

test("an unknown S-box name or OID is rejected", () => {
  assert.throws(() => resolveGost28147Sbox("1.2.3.4"), /unknown S-box/);
  assert.throws(() => new Gost28147(new Uint8Array(32), "no-such-sbox"), /unknown S-box/);
});

// --- ECB -----------------------------------------------------------------------------------------------------

for (const v of ecb) {
  test(`ECB encrypt: ${v.id}`, () => {
    assert.equal(
      hex(gost28147EncryptEcb(fromHex(v.key), fromHex(v.plaintext), { sbox: v.sbox })),
      v.ciphertext,
    );
  });
  test(`ECB decrypt: ${v.id}`, () => {
    assert.equal(
      hex(gost28147DecryptEcb(fromHex(v.key), fromHex(v.ciphertext), { sbox: v.sbox })),
      v.plaintext,
    );
  });
}

test("ECB rejects a key that is not 32 bytes", () => {
  assert.throws(
    () => gost28147EncryptEcb(new Uint8Array(31), new Uint8Array(8)),
    /key must be 32 bytes, got 31/,
  );
});

test("ECB rejects data that is not whole blocks", () => {
  assert.throws(() => gost28147EncryptEcb(new Uint8Array(32), new Uint8Array(9)), /multiple of 8/);
});

// --- CFB -----------------------------------------------------------------------------------------------------

for (const v of cfb) {
  const options = { sbox: v.sbox, keyMeshing: meshingOf(v) };
  if (v.ciphertext !== undefined) {
    const ciphertext = v.ciphertext;
    test(`CFB encrypt: ${v.id}`, () => {
      assert.equal(
        hex(gost28147EncryptCfb(fromHex(v.key), fromHex(v.iv), fromHex(v.plaintext), options)),
        ciphertext,
      );
    });
    test(`CFB decrypt: ${v.id}`, () => {
      assert.equal(
        hex(gost28147DecryptCfb(fromHex(v.key), fromHex(v.iv), fromHex(ciphertext), options)),
        v.plaintext,
      );
    });
  } else {
    test(`CFB encrypt of ${v.plaintext_length} zero bytes, last 16 bytes: ${v.id}`, {
      skip: skipLong(v.plaintext_length),
    }, () => {
      const stream = createGost28147CfbEncryptor(fromHex(v.key), fromHex(v.iv), options);
      const tail = new TailKeeper(16);
      feedZeros(v.plaintext_length ?? 0, (chunk) => tail.push(stream.update(chunk)));
      assert.equal(hex(tail.bytes), v.ciphertext_last16);
    });
  }
}

test("CFB with key meshing decrypts what it encrypts when fed in odd-sized pieces", () => {
  const key = fromHex("8d5a2c83a7c70a61d61b34b51fdf42686671a35d874cfd84993663b61ed60dad");
  const iv = fromHex("46606f0d8834235a");
  const plaintext = new Uint8Array(5000).map((_, i) => (i * 7) & 0xff);
  const options = { keyMeshing: true };
  const oneShot = gost28147EncryptCfb(key, iv, plaintext, options);
  const pieces: Uint8Array[] = [];
  const decryptor = createGost28147CfbDecryptor(key, iv, options);
  for (let i = 0; i < oneShot.length; i += 13) pieces.push(decryptor.update(oneShot.subarray(i, i + 13)));
  assert.equal(hex(Buffer.concat(pieces)), hex(plaintext));
});

test("CFB key meshing changes the ciphertext after the first 1024 bytes only", () => {
  const key = new Uint8Array(32).fill(7);
  const iv = new Uint8Array(8);
  const data = new Uint8Array(1040);
  const plain = gost28147EncryptCfb(key, iv, data);
  const meshed = gost28147EncryptCfb(key, iv, data, { keyMeshing: true });
  assert.equal(hex(meshed.subarray(0, 1024)), hex(plain.subarray(0, 1024)));
  assert.notEqual(hex(meshed.subarray(1024)), hex(plain.subarray(1024)));
});

test("CFB rejects an IV that is not 8 bytes", () => {
  assert.throws(
    () => gost28147EncryptCfb(new Uint8Array(32), new Uint8Array(7), new Uint8Array(1)),
    /IV must be 8 bytes/,
  );
});

// --- CNT -----------------------------------------------------------------------------------------------------

for (const v of cnt) {
  const options = { sbox: v.sbox, keyMeshing: meshingOf(v) };
  if (v.ciphertext !== undefined) {
    const ciphertext = v.ciphertext;
    test(`CNT encrypt: ${v.id}`, () => {
      assert.equal(
        hex(gost28147Cnt(fromHex(v.key), fromHex(v.iv), fromHex(v.plaintext), options)),
        ciphertext,
      );
    });
    test(`CNT decrypt: ${v.id}`, () => {
      assert.equal(
        hex(gost28147Cnt(fromHex(v.key), fromHex(v.iv), fromHex(ciphertext), options)),
        v.plaintext,
      );
    });
  } else {
    test(`CNT of ${v.plaintext_length} zero bytes, last 16 bytes: ${v.id}`, {
      skip: skipLong(v.plaintext_length),
    }, () => {
      const stream = createGost28147Cnt(fromHex(v.key), fromHex(v.iv), options);
      const tail = new TailKeeper(16);
      feedZeros(v.plaintext_length ?? 0, (chunk) => tail.push(stream.update(chunk)));
      assert.equal(hex(tail.bytes), v.ciphertext_last16);
    });
  }
}

test("CNT gives the same keystream however the input is split", () => {
  const key = new Uint8Array(32).map((_, i) => i);
  const iv = fromHex("0102030405060708");
  const data = new Uint8Array(3000).map((_, i) => i & 0xff);
  const oneShot = gost28147Cnt(key, iv, data, { keyMeshing: true });
  const stream = createGost28147Cnt(key, iv, { keyMeshing: true });
  const pieces: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += 100) pieces.push(stream.update(data.subarray(i, i + 100)));
  assert.equal(hex(Buffer.concat(pieces)), hex(oneShot));
});

// --- MAC -----------------------------------------------------------------------------------------------------

/** The two gost-engine test files that the vector file describes instead of listing. */
function describedMessage(v: MacVector): Uint8Array | undefined {
  if (v.message_description === "testbig.dat = ('12345670' x 8 . \"\\n\") x 4096") {
    return new Uint8Array(Buffer.from(`${"12345670".repeat(8)}\n`.repeat(4096), "latin1"));
  }
  return undefined;
}

/** libgcl3/pygost MAC a lone short block as is; everyone else appends a zero block (see the file's notes). */
const shortMessageOf = (v: MacVector): "cryptopro" | "literal" =>
  v.id.startsWith("pygost-") ? "literal" : "cryptopro";

for (const v of mac) {
  const options = {
    sbox: v.sbox,
    iv: fromHex(v.iv),
    keyMeshing: meshingOf(v),
    shortMessage: shortMessageOf(v),
    length: v.mac_bits / 8,
  };
  const message =
    v.message !== undefined && /^[0-9a-f]*$/.test(v.message) ? fromHex(v.message) : describedMessage(v);
  if (message !== undefined) {
    test(`MAC: ${v.id}`, () => {
      if (v.message_sha256 !== undefined)
        assert.equal(sha256Hex(message), v.message_sha256, "rebuilt message");
      assert.equal(hex(gost28147Mac(fromHex(v.key), message, options)), v.mac);
    });
  } else {
    test(`MAC of ${v.message_length} zero bytes: ${v.id}`, { skip: skipLong(v.message_length) }, () => {
      assert.ok(v.message_length !== undefined);
      const state = createGost28147Mac(fromHex(v.key), options);
      feedZeros(v.message_length, (chunk) => state.update(chunk));
      assert.equal(hex(state.digest(options.length)), v.mac);
    });
  }
}

test("the CryptoPro short-message convention differs from libgcl3 for a one-block message", () => {
  const v = mac.find((x) => x.id === "pygost-libgcl3-mac-abc");
  assert.ok(v?.message !== undefined);
  const cryptopro = gost28147Mac(fromHex(v.key), fromHex(v.message), {
    length: 8,
    shortMessage: "cryptopro",
  });
  assert.notEqual(hex(cryptopro), v.mac);
});

test("the MAC of the empty message is the initial state", () => {
  assert.equal(
    hex(gost28147Mac(new Uint8Array(32).fill(1), new Uint8Array(0), { length: 8 })),
    "0000000000000000",
  );
});

test("the MAC is the same however the message is split", () => {
  const key = new Uint8Array(32).map((_, i) => 255 - i);
  const data = new Uint8Array(2500).map((_, i) => (i * 13) & 0xff);
  const oneShot = gost28147Mac(key, data, { keyMeshing: true, length: 8 });
  const state = createGost28147Mac(key, { keyMeshing: true });
  for (let i = 0; i < data.length; i += 11) state.update(data.subarray(i, i + 11));
  assert.equal(hex(state.digest(8)), hex(oneShot));
});

test("the MAC rejects a length outside 1..8 bytes and an IV that is not 8 bytes", () => {
  assert.throws(() => gost28147Mac(new Uint8Array(32), new Uint8Array(1), { length: 9 }), /1\.\.8 bytes/);
  assert.throws(
    () => gost28147Mac(new Uint8Array(32), new Uint8Array(1), { iv: new Uint8Array(4) }),
    /IV must be 8 bytes/,
  );
});

// --- Long cross-check records --------------------------------------------------------------------------------

test("every long-run cross-check record agrees with the vector it checks and says 'match'", () => {
  const all = [...cfb, ...cnt];
  for (const r of crosscheck) {
    assert.equal(r.result, "match", r.id);
    assert.equal(r.got, r.expected, r.id);
    const expected =
      r.mode === "G89_IMIT"
        ? mac.find((m) => m.id === r.id)?.mac
        : all.find((s) => s.id === r.id)?.ciphertext_last16;
    assert.equal(expected, r.expected, r.id);
  }
});
