import assert from "node:assert/strict";
import { test } from "node:test";
import { curveByOid, type GostCurve } from "../../../src/crypto/gost/curves.ts";
import {
  generateGostKeyPair,
  gostPrivateKeyFromBytes,
  gostPublicKeyFromPrivate,
  parseGostPublicKey,
} from "../../../src/crypto/gost/gost3410.ts";
import {
  type VkoParams,
  vkoGostR3410_2001,
  vkoGostR3410_2012_256,
  vkoGostR3410_2012_512,
} from "../../../src/crypto/gost/vko.ts";
import { readVectorJson } from "../../support/vectors.ts";
import { fromHex, hex } from "./helpers.ts";

interface VkoVector {
  id: string;
  curve_oid: string;
  ukm: string;
  prv_a: string;
  prv_b: string;
  pub_a: string;
  pub_b: string;
  kek: string;
}

interface KeyWrapVector {
  id: string;
  kek: string;
  kek_derivation: {
    algorithm: string;
    recipient_curve: string;
    recipient_private_key_be: string;
    peer_public_key: string;
    ukm: string;
  };
}

const vkoOf: Record<string, (params: VkoParams) => Uint8Array> = {
  "vko2001-pygost-testparamset": vkoGostR3410_2001,
  "vko2012-256-rfc7836": vkoGostR3410_2012_256,
  "vko2012-512-rfc7836": vkoGostR3410_2012_512,
};

/** The key-wrap file names curves as the vectors' sources spell them. */
const CURVE_OIDS_BY_VECTOR_NAME: Record<string, string> = {
  "id-GostR3410-2001-CryptoPro-XchA-ParamSet": "1.2.643.2.2.36.0",
  "id-tc26-gost-3410-12-512-paramSetB": "1.2.643.7.1.2.1.2.2",
};

const { vectors } = readVectorJson<{ vectors: VkoVector[] }>("gost-legacy/vko.json");
const { vectors: keyWraps } = readVectorJson<{ vectors: KeyWrapVector[] }>("gost-legacy/gost_keywrap.json");

function keysOf(v: VkoVector, curve: GostCurve) {
  return {
    a: gostPrivateKeyFromBytes(fromHex(v.prv_a), curve),
    b: gostPrivateKeyFromBytes(fromHex(v.prv_b), curve),
    pubA: parseGostPublicKey(fromHex(v.pub_a), curve),
    pubB: parseGostPublicKey(fromHex(v.pub_b), curve),
  };
}

test("vko.json holds the 2001, 2012-256 and 2012-512 vectors", () => {
  assert.deepEqual(
    vectors.map((v) => v.id),
    Object.keys(vkoOf),
  );
});

for (const v of vectors) {
  const vko = vkoOf[v.id];
  if (!vko) throw new Error(`no VKO variant for ${v.id}`);
  const curve = curveByOid(v.curve_oid, { allowTest: true });
  const ukm = fromHex(v.ukm);

  test(`${v.id}: A's private key with B's public key gives the published KEK`, () => {
    const { a, pubB } = keysOf(v, curve);
    assert.equal(hex(vko({ curve, privateKey: a, publicKey: pubB, ukm })), v.kek);
  });

  test(`${v.id}: B's private key with A's public key gives the same KEK`, () => {
    const { b, pubA } = keysOf(v, curve);
    assert.equal(hex(vko({ curve, privateKey: b, publicKey: pubA, ukm })), v.kek);
  });
}

for (const w of keyWraps) {
  const derivation = w.kek_derivation;
  const is2001 = derivation.algorithm.startsWith("VKO GOST R 34.10-2001");
  const vko = is2001 ? vkoGostR3410_2001 : vkoGostR3410_2012_256;
  test(`${w.id}: the recipient's VKO reproduces the KEK of the CMS example`, () => {
    const curveOid = CURVE_OIDS_BY_VECTOR_NAME[derivation.recipient_curve];
    if (!curveOid) throw new Error(`unknown curve ${derivation.recipient_curve}`);
    const curve = curveByOid(curveOid);
    const privateKey = BigInt(`0x${derivation.recipient_private_key_be}`);
    const publicKey = parseGostPublicKey(fromHex(derivation.peer_public_key), curve);
    assert.equal(hex(vko({ curve, privateKey, publicKey, ukm: fromHex(derivation.ukm) })), w.kek);
  });
}

test("VKO of an all-zero UKM equals VKO of UKM = 1", () => {
  const curve = curveByOid("1.2.643.7.1.2.1.1.1");
  const a = generateGostKeyPair(curve);
  const b = generateGostKeyPair(curve);
  const zero = vkoGostR3410_2012_256({
    curve,
    privateKey: a.privateKey,
    publicKey: b.publicKey,
    ukm: new Uint8Array(8),
  });
  const one = vkoGostR3410_2012_256({
    curve,
    privateKey: a.privateKey,
    publicKey: b.publicKey,
    ukm: fromHex("0100000000000000"),
  });
  assert.equal(hex(zero), hex(one));
});

test("VKO on the cofactor-4 tc26-256-A curve agrees in both directions", () => {
  const curve = curveByOid("1.2.643.7.1.2.1.1.1");
  const a = generateGostKeyPair(curve);
  const b = generateGostKeyPair(curve);
  const ukm = fromHex("0102030405060708");
  assert.equal(
    hex(vkoGostR3410_2012_256({ curve, privateKey: a.privateKey, publicKey: b.publicKey, ukm })),
    hex(vkoGostR3410_2012_256({ curve, privateKey: b.privateKey, publicKey: a.publicKey, ukm })),
  );
});

test("VKO refuses a peer key on another curve", () => {
  const ours = curveByOid("1.2.643.7.1.2.1.1.2");
  const peer = gostPublicKeyFromPrivate(curveByOid("1.2.643.7.1.2.1.1.1"), 12345n);
  assert.throws(
    () =>
      vkoGostR3410_2012_256({ curve: ours, privateKey: 7n, publicKey: peer, ukm: new Uint8Array(8).fill(1) }),
    /peer's key is on id-tc26-gost-3410-2012-256-paramSetA/,
  );
});

test("VKO refuses a private key outside [1, q-1]", () => {
  const curve = curveByOid("1.2.643.7.1.2.1.1.2");
  const peer = gostPublicKeyFromPrivate(curve, 12345n);
  assert.throws(
    () =>
      vkoGostR3410_2012_256({ curve, privateKey: curve.q, publicKey: peer, ukm: new Uint8Array(8).fill(1) }),
    /private key must be in \[1, q-1\]/,
  );
});
