import assert from "node:assert/strict";
import { test } from "node:test";
import {
  allGostCurves,
  curveByOid,
  type GostCurve,
  type GostPoint,
} from "../../../src/crypto/gost/curves.ts";
import {
  decodeGostSignature,
  detectGostSignatureLayout,
  encodeGostPublicKey,
  encodeGostSignature,
  GOST_SIGNATURE_LAYOUTS,
  type GostPublicKey,
  generateGostKeyPair,
  gostDigestToInteger,
  gostPrivateKeyFromBytes,
  gostPublicKeyFromPrivate,
  parseGostPublicKey,
  precomputeGostPublicKey,
  type RandomBytes,
  signGostDigest,
  signGostDigestWithFixedNonce,
  verifyGostDigest,
} from "../../../src/crypto/gost/gost3410.ts";
import { withHedgedNonce } from "../../../src/crypto/gost/hedged-nonce.ts";
import { gostPublicKeyFromSpki } from "../../../src/crypto/gost/spki.ts";
import { readVectorJson } from "../../support/vectors.ts";
import { readPemVector, signedObjectParts } from "./certificate-parts.ts";

// ---- helpers -------------------------------------------------------------------------------------

const hex = (value: string): Uint8Array => new Uint8Array(Buffer.from(value, "hex"));
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");
const reversed = (bytes: Uint8Array): Uint8Array => Uint8Array.from(bytes).reverse();
const big = (hexBE: string): bigint => BigInt(`0x${hexBE}`);

function leBytes(value: bigint, width: number): Uint8Array {
  const out = new Uint8Array(width);
  for (let i = 0, v = value; i < width; i++, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}

function withFlippedBit(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[bit >> 3] = (copy[bit >> 3] ?? 0) ^ (1 << (bit & 7));
  return copy;
}

/** X_LE || Y_LE of a point given by its big-endian coordinates. */
function rawKey(xBE: string, yBE: string, width: number): Uint8Array {
  return new Uint8Array([...leBytes(big(xBE), width), ...leBytes(big(yBE), width)]);
}

function rawPoint(point: GostPoint, width: number): Uint8Array {
  const { x, y } = point.toAffine();
  return new Uint8Array([...leBytes(x, width), ...leBytes(y, width)]);
}

/** y of 2·(x, y), by the affine doubling formula (noble cannot hold the 2-torsion points it may give). */
function doubledAffine(curve: GostCurve, x: bigint, y: bigint): { x: bigint; y: bigint } {
  const { Fp } = curve.Point;
  const lambda = Fp.div(Fp.add(Fp.mul(3n, Fp.sqr(x)), curve.a), Fp.mul(2n, y));
  const x2 = Fp.sub(Fp.sqr(lambda), Fp.mul(2n, x));
  return { x: x2, y: Fp.sub(Fp.mul(lambda, Fp.sub(x, x2)), y) };
}

/** A point of order 4 (cofactor-4 curves): q·R for a point R of the full group whose q·R has order 4. */
function pointOfOrder4(curve: GostCurve): GostPoint {
  const { Fp } = curve.Point;
  for (let x = 1n; ; x++) {
    let y: bigint;
    try {
      y = Fp.sqrt(Fp.add(Fp.add(Fp.mul(Fp.sqr(x), x), Fp.mul(curve.a, x)), curve.b));
      const R = curve.Point.fromAffine({ x, y });
      const torsion = R.multiplyUnsafe(curve.q - 1n).add(R); // throws when it has order 2 (y = 0)
      const affine = torsion.toAffine();
      if (!torsion.is0() && doubledAffine(curve, affine.x, affine.y).y === 0n) return torsion;
    } catch {}
  }
}

const cryptoProA = curveByOid("1.2.643.2.2.35.1");
const cryptoProB = curveByOid("1.2.643.2.2.35.2");
const tc26_256A = curveByOid("1.2.643.7.1.2.1.1.1");
const tc26_512C = curveByOid("1.2.643.7.1.2.1.2.3");

// ---- RFC 7091 (GOST R 34.10-2012 Appendix A) -----------------------------------------------------

interface Rfc7091Example {
  name: string;
  d: string;
  Qx: string;
  Qy: string;
  e: string;
  k: string;
  r: string;
  s: string;
}
const rfc7091 = readVectorJson<{ examples: Rfc7091Example[] }>("gost/gost3410-rfc7091.json");
const rfc7091Curves = [
  curveByOid("1.2.643.2.2.35.0", { allowTest: true }),
  curveByOid("1.2.643.7.1.2.1.2.0", { allowTest: true }),
];

rfc7091.examples.forEach((example, index) => {
  const curve = rfc7091Curves[index] as GostCurve;
  const width = curve.byteLength;
  // The example gives e as a number; as a raw digest it is the little-endian encoding of e.
  const digest = leBytes(big(example.e), width);
  const signature = hex(example.s + example.r);

  test(`RFC 7091 ${example.name}: d·G is the published public key Q`, () => {
    const publicKey = gostPublicKeyFromPrivate(curve, big(example.d));
    assert.equal(toHex(encodeGostPublicKey(publicKey)), toHex(rawKey(example.Qx, example.Qy, width)));
  });

  test(`RFC 7091 ${example.name}: signing with the published k gives the published r and s`, () => {
    const produced = signGostDigestWithFixedNonce({
      curve,
      privateKey: big(example.d),
      digest,
      k: big(example.k),
    });
    assert.equal(toHex(produced), toHex(signature));
  });

  test(`RFC 7091 ${example.name}: the published signature verifies`, () => {
    const publicKey = rawKey(example.Qx, example.Qy, width);
    assert.equal(verifyGostDigest({ curve, publicKey, digest, signature }), true);
  });
});

// ---- GOST R 34.10-2001 (legacy vectors; digests precomputed with GOST R 34.11-94) -----------------

interface LegacyVector {
  id: string;
  curve_oid?: string;
  public_key_algorithm_params?: string[];
  public_key_x?: string;
  public_key_y?: string;
  public_key_raw?: string;
  private_key_d?: string;
  certificate_file?: string;
  signer_certificate?: string;
  digest: string;
  signature: string;
}
const legacy = readVectorJson<{ vectors: LegacyVector[] }>("gost-legacy/gost3410_2001_signature.json");

/** The parameter set named by the vector itself or, for CMS vectors, by its signer's certificate. */
function legacyParamSetOid(vector: LegacyVector): string {
  const oid = vector.curve_oid ?? vector.public_key_algorithm_params?.[0];
  if (oid) return oid;
  assert.ok(vector.signer_certificate, `${vector.id} names no curve`);
  return certificateKey(`gost-legacy/${vector.signer_certificate}`).curve.oid;
}

for (const vector of legacy.vectors) {
  const curve = curveByOid(legacyParamSetOid(vector), { allowTest: true });
  const publicKey = vector.public_key_raw
    ? hex(vector.public_key_raw)
    : rawKey(vector.public_key_x ?? "", vector.public_key_y ?? "", 32);

  test(`GOST 2001 ${vector.id}: the signature over the GOST R 34.11-94 digest verifies`, () => {
    assert.equal(
      verifyGostDigest({ curve, publicKey, digest: hex(vector.digest), signature: hex(vector.signature) }),
      true,
    );
  });

  test(`GOST 2001 ${vector.id}: the same signature fails for a digest with one bit flipped`, () => {
    const digest = withFlippedBit(hex(vector.digest), 5);
    assert.equal(verifyGostDigest({ curve, publicKey, digest, signature: hex(vector.signature) }), false);
  });

  const certificateFile = vector.certificate_file ?? vector.signer_certificate;
  if (certificateFile) {
    test(`GOST 2001 ${vector.id}: the vector's public key is the one in ${certificateFile}`, () => {
      const fromCertificate = certificateKey(`gost-legacy/${certificateFile}`);
      assert.equal(toHex(encodeGostPublicKey(fromCertificate)), toHex(publicKey));
    });
  }

  if (vector.private_key_d) {
    const d = big(vector.private_key_d);
    test(`GOST 2001 ${vector.id}: the private key gives the published public key`, () => {
      assert.equal(toHex(encodeGostPublicKey(gostPublicKeyFromPrivate(curve, d))), toHex(publicKey));
    });
  }
}

// ---- CryptoPro raw signatures (both layouts) -----------------------------------------------------

interface CryptoProVector {
  paramSetOid: string;
  paramSetName: string;
  hash_hex: string;
  signature_cryptoapi_hex: string;
  signature_x509_s_r_be_hex: string;
  publickey_cryptoapi_hex: string;
}
const cryptoPro = readVectorJson<{ vectors: CryptoProVector[] }>("gost/cryptopro-raw-signatures.json");

for (const vector of cryptoPro.vectors) {
  const curve = curveByOid(vector.paramSetOid);
  const publicKey = hex(vector.publickey_cryptoapi_hex);
  const digest = hex(vector.hash_hex);
  const standard = hex(vector.signature_x509_s_r_be_hex);
  const cryptoApi = hex(vector.signature_cryptoapi_hex);

  test(`CryptoPro ${vector.paramSetName}: the X.509 (s || r) signature verifies in the standard layout`, () => {
    assert.equal(
      verifyGostDigest({ curve, publicKey, digest, signature: standard, layout: "standard" }),
      true,
    );
  });

  test(`CryptoPro ${vector.paramSetName}: the CryptoAPI signature verifies in the cryptoapi layout`, () => {
    assert.equal(
      verifyGostDigest({ curve, publicKey, digest, signature: cryptoApi, layout: "cryptoapi" }),
      true,
    );
  });

  test(`CryptoPro ${vector.paramSetName}: the CryptoAPI signature does not verify as a standard one`, () => {
    assert.equal(verifyGostDigest({ curve, publicKey, digest, signature: cryptoApi }), false);
  });

  test(`CryptoPro ${vector.paramSetName}: layout detection names the layout of each form`, () => {
    assert.equal(detectGostSignatureLayout({ curve, publicKey, digest, signature: cryptoApi }), "cryptoapi");
    assert.equal(detectGostSignatureLayout({ curve, publicKey, digest, signature: standard }), "standard");
  });

  test(`CryptoPro ${vector.paramSetName}: a flipped signature bit fails in either layout`, () => {
    const signature = withFlippedBit(cryptoApi, 77);
    assert.equal(detectGostSignatureLayout({ curve, publicKey, digest, signature }), undefined);
  });
}

test("the cryptoapi layout is the byte reversal of the standard layout", () => {
  for (const vector of cryptoPro.vectors) {
    const curve = curveByOid(vector.paramSetOid);
    const value = decodeGostSignature(hex(vector.signature_cryptoapi_hex), curve, "cryptoapi");
    assert.ok(value);
    const standard = encodeGostSignature(value, curve, "standard");
    assert.equal(toHex(standard), vector.signature_x509_s_r_be_hex);
    assert.equal(toHex(reversed(standard)), vector.signature_cryptoapi_hex);
  }
});

// ---- private keys ↔ public keys of the TK26 and RFC 9215 certificates ------------------------------

interface TkKey {
  paramSet: string;
  prv_be_hex: string;
}
const tk26iok = readVectorJson<Record<string, TkKey | unknown>>("gost/tk26iok/keys.json");
interface Rfc9215Example {
  name: string;
  paramSet: string;
  prv_be_hex: string;
}
const rfc9215 = readVectorJson<{ examples: Rfc9215Example[] }>("gost/rfc9215/keys.json");

function certificateKey(relative: string): GostPublicKey {
  const { spki } = signedObjectParts(readPemVector(relative));
  assert.ok(spki, `${relative} has no SubjectPublicKeyInfo`);
  return gostPublicKeyFromSpki(spki, { allowTest: true });
}

for (const [file, key] of Object.entries(tk26iok)) {
  if (!file.endsWith(".pem")) continue;
  const { paramSet, prv_be_hex } = key as TkKey;
  test(`TK26IOK ${file}: the private key gives the certificate's public key`, () => {
    const fromCertificate = certificateKey(`gost/tk26iok/${file}`);
    const curve = curveByOid(paramSet.split(" ")[0] ?? "");
    assert.equal(fromCertificate.curve.oid, curve.oid);
    const derived = gostPublicKeyFromPrivate(curve, big(prv_be_hex) % curve.q);
    assert.ok(derived.point.equals(fromCertificate.point));
  });
}

for (const example of rfc9215.examples) {
  test(`RFC 9215 ${example.name}: the private key (mod q) gives the certificate's and the CSR's public key`, () => {
    const curve = curveByOid(example.paramSet.split(" ")[0] ?? "", { allowTest: true });
    // RFC 9215 A.2 reuses a key larger than q on tc26-256-A: PKCS#8 readers reduce it mod q.
    const d = gostPrivateKeyFromBytes(leBytes(big(example.prv_be_hex), curve.byteLength), curve);
    const derived = gostPublicKeyFromPrivate(curve, d);
    for (const kind of ["cert", "csr"]) {
      const fromFile = certificateKey(`gost/rfc9215/${example.name}-${kind}.pem`);
      assert.equal(fromFile.curve.oid, curve.oid);
      assert.ok(derived.point.equals(fromFile.point), kind);
    }
  });
}

test("RFC 9215 A.2's tc26-256-A private key is larger than q and is reduced", () => {
  const example = rfc9215.examples.find((e) => e.name === "256-tc26-paramSetA");
  assert.ok(example);
  assert.ok(big(example.prv_be_hex) > tc26_256A.q);
  const d = gostPrivateKeyFromBytes(leBytes(big(example.prv_be_hex), 32), tc26_256A);
  assert.equal(d, big(example.prv_be_hex) % tc26_256A.q);
});

// ---- negative cases ------------------------------------------------------------------------------

const referenceVector = cryptoPro.vectors[0] as CryptoProVector;
const reference = {
  curve: cryptoProA,
  publicKey: hex(referenceVector.publickey_cryptoapi_hex),
  digest: hex(referenceVector.hash_hex),
  signature: hex(referenceVector.signature_x509_s_r_be_hex),
};

test("a digest with one flipped bit does not verify", () => {
  for (const bit of [0, 100, 255]) {
    assert.equal(verifyGostDigest({ ...reference, digest: withFlippedBit(reference.digest, bit) }), false);
  }
});

test("a signature with one flipped bit does not verify", () => {
  for (const bit of [0, 7, 255, 256, 511]) {
    assert.equal(
      verifyGostDigest({ ...reference, signature: withFlippedBit(reference.signature, bit) }),
      false,
    );
  }
});

test("a public key with one flipped bit is refused as not on the curve", () => {
  assert.throws(
    () => verifyGostDigest({ ...reference, publicKey: withFlippedBit(reference.publicKey, 3) }),
    /not a valid point of id-GostR3410-2001-CryptoPro-A-ParamSet/,
  );
});

test("another valid key of the same curve does not verify the signature", () => {
  const other = generateGostKeyPair(cryptoProA).publicKey;
  assert.equal(verifyGostDigest({ ...reference, publicKey: other }), false);
});

test("a key parsed for one curve cannot be used with another curve", () => {
  const key = parseGostPublicKey(reference.publicKey, cryptoProA);
  assert.throws(() => verifyGostDigest({ ...reference, curve: cryptoProB, publicKey: key }), /belongs to/);
});

test("a key of an aliased parameter set (XchA for CryptoPro-A) is accepted", () => {
  const key = parseGostPublicKey(reference.publicKey, curveByOid("1.2.643.2.2.36.0"));
  assert.equal(verifyGostDigest({ ...reference, publicKey: key }), true);
});

test("raw key bytes of one curve are refused on a different curve", () => {
  assert.throws(() => parseGostPublicKey(reference.publicKey, cryptoProB), /not a valid point/);
});

test("a point that is not on the curve is refused", () => {
  assert.throws(() => parseGostPublicKey(leBytes(1n, 64), cryptoProA), /not a valid point/);
  assert.throws(() => parseGostPublicKey(rawKey("01", "01", 32), cryptoProA), /not a valid point/);
});

test("coordinates that are not field elements are refused", () => {
  const x = cryptoProA.gx + cryptoProA.p; // ≡ gx, but out of range
  const key = new Uint8Array([...leBytes(x, 32), ...leBytes(cryptoProA.gy, 32)]);
  assert.throws(() => parseGostPublicKey(key, cryptoProA), /not field elements/);
});

for (const curve of [tc26_256A, tc26_512C]) {
  test(`${curve.name}: a point of order 4 is refused`, () => {
    const torsion = pointOfOrder4(curve);
    assert.throws(
      () => parseGostPublicKey(rawPoint(torsion, curve.byteLength), curve),
      /subgroup|not a valid point/,
    );
  });

  test(`${curve.name}: a point of order 2 (y = 0) is refused`, () => {
    const { x, y } = pointOfOrder4(curve).toAffine();
    const order2 = doubledAffine(curve, x, y);
    assert.equal(order2.y, 0n);
    const raw = new Uint8Array([...leBytes(order2.x, curve.byteLength), ...leBytes(0n, curve.byteLength)]);
    assert.throws(() => parseGostPublicKey(raw, curve), /not a valid point/);
  });

  test(`${curve.name}: a valid key plus a point of order 4 is refused`, () => {
    const { publicKey } = generateGostKeyPair(curve);
    const mixed = publicKey.point.add(pointOfOrder4(curve));
    assert.throws(() => parseGostPublicKey(rawPoint(mixed, curve.byteLength), curve), /subgroup/);
  });
}

test("r = 0, s = 0, r = q or s = q is rejected", () => {
  const { r, s } = decodeGostSignature(reference.signature, cryptoProA, "standard") ?? { r: 0n, s: 0n };
  const q = cryptoProA.q;
  for (const value of [
    { r: 0n, s },
    { r, s: 0n },
    { r: q, s },
    { r, s: q },
  ]) {
    const signature = encodeGostSignature(value, cryptoProA, "standard");
    assert.equal(verifyGostDigest({ ...reference, signature }), false);
  }
});

test("r + q and s + q are rejected even when the result still fits (tc26-256-A, q < 2^255)", () => {
  const { privateKey, publicKey } = generateGostKeyPair(tc26_256A);
  const digest = new Uint8Array(32).fill(0x5a);
  const signature = signGostDigest({ curve: tc26_256A, privateKey, digest });
  const value = decodeGostSignature(signature, tc26_256A, "standard");
  assert.ok(value);
  assert.equal(verifyGostDigest({ curve: tc26_256A, publicKey, digest, signature }), true);
  for (const shifted of [
    { r: value.r + tc26_256A.q, s: value.s },
    { r: value.r, s: value.s + tc26_256A.q },
  ]) {
    const forged = encodeGostSignature(shifted, tc26_256A, "standard");
    assert.equal(verifyGostDigest({ curve: tc26_256A, publicKey, digest, signature: forged }), false);
  }
});

test("a signature of the wrong length is invalid", () => {
  for (const length of [0, 63, 65, 128]) {
    const signature = new Uint8Array(length).fill(1);
    assert.equal(verifyGostDigest({ ...reference, signature }), false);
    assert.equal(detectGostSignatureLayout({ ...reference, signature }), undefined);
  }
});

test("a public key of the wrong length is refused before any curve arithmetic", () => {
  assert.throws(() => parseGostPublicKey(new Uint8Array(63), cryptoProA), /must be 64 bytes, got 63/);
  assert.throws(() => parseGostPublicKey(new Uint8Array(64), tc26_512C), /must be 128 bytes, got 64/);
});

test("a digest of the wrong length for the curve is refused", () => {
  assert.throws(
    () => verifyGostDigest({ ...reference, digest: new Uint8Array(64) }),
    /must be 32 bytes, got 64/,
  );
});

// ---- digest → e ----------------------------------------------------------------------------------

test("the digest is read as a little-endian integer", () => {
  const digest = new Uint8Array(32);
  digest[0] = 0x02;
  digest[1] = 0x01;
  assert.equal(gostDigestToInteger(digest, cryptoProA), 0x0102n);
});

test("a digest ≡ 0 mod q is used as e = 1", () => {
  assert.equal(gostDigestToInteger(new Uint8Array(32), cryptoProA), 1n);
  assert.equal(gostDigestToInteger(leBytes(cryptoProA.q, 32), cryptoProA), 1n);
  const { privateKey, publicKey } = generateGostKeyPair(cryptoProA);
  const signature = signGostDigest({ curve: cryptoProA, privateKey, digest: leBytes(1n, 32) });
  assert.equal(
    verifyGostDigest({ curve: cryptoProA, publicKey, digest: new Uint8Array(32), signature }),
    true,
  );
});

// ---- keys and signing ----------------------------------------------------------------------------

for (const curve of allGostCurves({ includeTest: true })) {
  test(`${curve.name}: sign and verify round trip in both layouts`, () => {
    const { privateKey, publicKey } = generateGostKeyPair(curve);
    const digest = crypto.getRandomValues(new Uint8Array(curve.byteLength));
    for (const layout of GOST_SIGNATURE_LAYOUTS) {
      const signature = signGostDigest({ curve, privateKey, digest, layout });
      assert.equal(verifyGostDigest({ curve, publicKey, digest, signature, layout }), true);
      assert.equal(detectGostSignatureLayout({ curve, publicKey, digest, signature }), layout);
    }
  });
}

test("an encoded public key parses back to the same point", () => {
  const { publicKey } = generateGostKeyPair(tc26_512C);
  const parsed = parseGostPublicKey(encodeGostPublicKey(publicKey), tc26_512C);
  assert.ok(parsed.point.equals(publicKey.point));
});

test("a precomputed key verifies exactly like a plain one", () => {
  const { privateKey, publicKey } = generateGostKeyPair(cryptoProA);
  const digest = new Uint8Array(32).fill(9);
  const signature = signGostDigest({ curve: cryptoProA, privateKey, digest });
  const precomputed = precomputeGostPublicKey(parseGostPublicKey(encodeGostPublicKey(publicKey), cryptoProA));
  assert.equal(verifyGostDigest({ curve: cryptoProA, publicKey: precomputed, digest, signature }), true);
  assert.equal(
    verifyGostDigest({
      curve: cryptoProA,
      publicKey: precomputed,
      digest: withFlippedBit(digest, 1),
      signature,
    }),
    false,
  );
});

// ---- hedged nonces -------------------------------------------------------------------------------

const zeroRng: RandomBytes = (length) => new Uint8Array(length);
const rValue = (curve: GostCurve, signature: Uint8Array): bigint =>
  decodeGostSignature(signature, curve, "standard")?.r ?? 0n;

for (const curve of [cryptoProA, tc26_256A, tc26_512C]) {
  test(`${curve.name}: the same digest signed twice gives two different signatures that both verify`, () => {
    const { privateKey, publicKey } = generateGostKeyPair(curve);
    const digest = new Uint8Array(curve.byteLength).fill(3);
    const first = signGostDigest({ curve, privateKey, digest });
    const second = signGostDigest({ curve, privateKey, digest });
    assert.notEqual(rValue(curve, first), rValue(curve, second));
    assert.equal(verifyGostDigest({ curve, publicKey, digest, signature: first }), true);
    assert.equal(verifyGostDigest({ curve, publicKey, digest, signature: second }), true);
  });

  test(`${curve.name}: with an all-zero RNG every signature verifies and no two digests share k`, () => {
    const { privateKey, publicKey } = generateGostKeyPair(curve);
    const rs = new Set<bigint>();
    for (let i = 0; i < 16; i++) {
      const digest = new Uint8Array(curve.byteLength).fill(i, 0, i + 1);
      const signature = signGostDigest({ curve, privateKey, digest, randomBytes: zeroRng });
      assert.equal(verifyGostDigest({ curve, publicKey, digest, signature }), true, `digest ${i}`);
      rs.add(rValue(curve, signature)); // r = x(k·G) mod q: a repeated k would repeat r
    }
    assert.equal(rs.size, 16);
  });
}

test("with an all-zero RNG the nonce is the RFC 6979 one of (d, e) and signing is deterministic", () => {
  const { privateKey } = generateGostKeyPair(cryptoProA);
  const digest = crypto.getRandomValues(new Uint8Array(32));
  const e = gostDigestToInteger(digest, cryptoProA);
  const entropy = new Uint8Array(32);
  const k = withHedgedNonce({ q: cryptoProA.q, privateKey, e, entropy }, (candidate) => candidate.k);
  const expected = signGostDigestWithFixedNonce({ curve: cryptoProA, privateKey, digest, k });
  const signed = (): string =>
    toHex(signGostDigest({ curve: cryptoProA, privateKey, digest, randomBytes: zeroRng }));
  assert.equal(signed(), toHex(expected));
  assert.equal(signed(), toHex(expected));
});

test("with an all-zero RNG two private keys give different nonces for the same digest", () => {
  const digest = new Uint8Array(32).fill(7);
  const [a, b] = [generateGostKeyPair(cryptoProA), generateGostKeyPair(cryptoProA)];
  const sign = (privateKey: bigint): Uint8Array =>
    signGostDigest({ curve: cryptoProA, privateKey, digest, randomBytes: zeroRng });
  assert.notEqual(rValue(cryptoProA, sign(a.privateKey)), rValue(cryptoProA, sign(b.privateKey)));
});

test("the nonce's entropy comes from the injected random source", () => {
  const { privateKey } = generateGostKeyPair(cryptoProA);
  const digest = new Uint8Array(32).fill(1);
  const fixed =
    (byte: number): RandomBytes =>
    (length) =>
      new Uint8Array(length).fill(byte);
  const sign = (randomBytes: RandomBytes): bigint =>
    rValue(cryptoProA, signGostDigest({ curve: cryptoProA, privateKey, digest, randomBytes }));
  assert.equal(sign(fixed(0xa5)), sign(fixed(0xa5)));
  assert.notEqual(sign(fixed(0xa5)), sign(fixed(0x5a)));
});

test("a random source that returns the wrong number of bytes is refused", () => {
  const { privateKey } = generateGostKeyPair(cryptoProA);
  const digest = new Uint8Array(32).fill(1);
  const short: RandomBytes = (length) => new Uint8Array(length - 1);
  assert.throws(
    () => signGostDigest({ curve: cryptoProA, privateKey, digest, randomBytes: short }),
    /random source must return 32 bytes/,
  );
});

test("a private key or nonce outside [1, q-1] is refused", () => {
  const digest = new Uint8Array(32).fill(1);
  assert.throws(
    () => signGostDigest({ curve: cryptoProA, privateKey: 0n, digest }),
    /private key must be in/,
  );
  assert.throws(() => signGostDigest({ curve: cryptoProA, privateKey: cryptoProA.q, digest }), /private key/);
  assert.throws(
    () => signGostDigestWithFixedNonce({ curve: cryptoProA, privateKey: 5n, digest, k: 0n }),
    /nonce k/,
  );
  assert.throws(() => gostPublicKeyFromPrivate(cryptoProA, -1n), /private key/);
});

test("a private key that is 0 mod q is refused", () => {
  assert.throws(() => gostPrivateKeyFromBytes(leBytes(tc26_256A.q, 32), tc26_256A), /zero modulo q/);
  assert.throws(() => gostPrivateKeyFromBytes(new Uint8Array(31), tc26_256A), /must be 32 bytes/);
});
