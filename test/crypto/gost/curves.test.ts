import assert from "node:assert/strict";
import { test } from "node:test";
import {
  allGostCurves,
  curveByOid,
  findCurveByOid,
  GOST_PARAM_SET_NAMES,
  GOST_PARAM_SET_OIDS,
  type GostCurve,
} from "../../../src/crypto/gost/curves.ts";

const ALL = allGostCurves({ includeTest: true });
const oneCurvePerDomain = [...new Map(ALL.map((curve) => [curve.domainName, curve])).values()];

/** ⌊√n⌋ by Newton's method on bigints. */
function sqrtFloor(n: bigint): bigint {
  let x = n;
  let y = (x + 1n) / 2n;
  while (y < x) {
    x = y;
    y = (x + n / x) / 2n;
  }
  return x;
}

test("all 14 parameter-set OIDs are supported, each once", () => {
  assert.equal(GOST_PARAM_SET_OIDS.length, 14);
  assert.equal(new Set(GOST_PARAM_SET_OIDS).size, 14);
  for (const oid of GOST_PARAM_SET_OIDS) assert.equal(curveByOid(oid, { allowTest: true }).oid, oid);
});

test("every parameter set has its standard name", () => {
  assert.equal(GOST_PARAM_SET_NAMES.get("1.2.643.2.2.35.1"), "id-GostR3410-2001-CryptoPro-A-ParamSet");
  assert.equal(GOST_PARAM_SET_NAMES.get("1.2.643.7.1.2.1.2.3"), "id-tc26-gost-3410-2012-512-paramSetC");
  for (const oid of GOST_PARAM_SET_OIDS) assert.match(GOST_PARAM_SET_NAMES.get(oid) ?? "", /^id-/);
});

test("aliases share one curve: XchA = tc26-256-B = CryptoPro-A, tc26-256-C = CryptoPro-B, XchB = tc26-256-D = CryptoPro-C", () => {
  const domainOf = (oid: string) => curveByOid(oid).domainName;
  assert.equal(domainOf("1.2.643.2.2.36.0"), "CryptoPro-A");
  assert.equal(domainOf("1.2.643.7.1.2.1.1.2"), "CryptoPro-A");
  assert.equal(domainOf("1.2.643.7.1.2.1.1.3"), "CryptoPro-B");
  assert.equal(domainOf("1.2.643.2.2.36.1"), "CryptoPro-C");
  assert.equal(domainOf("1.2.643.7.1.2.1.1.4"), "CryptoPro-C");
});

test("aliases reuse the same noble point constructor", () => {
  assert.equal(curveByOid("1.2.643.2.2.36.0").Point, curveByOid("1.2.643.7.1.2.1.1.2").Point);
  assert.equal(curveByOid("1.2.643.2.2.35.1").Point, curveByOid("1.2.643.2.2.35.1").Point);
});

test("only tc26-256-A and tc26-512-C have cofactor 4", () => {
  const withCofactor4 = ALL.filter((curve) => curve.cofactor === 4n).map((curve) => curve.oid);
  assert.deepEqual(withCofactor4, ["1.2.643.7.1.2.1.1.1", "1.2.643.7.1.2.1.2.3"]);
  for (const curve of ALL) assert.ok(curve.cofactor === 1n || curve.cofactor === 4n);
});

test("256-bit parameter sets use 32-byte values and 512-bit ones 64-byte values", () => {
  for (const curve of ALL) {
    const is512 = curve.oid.startsWith("1.2.643.7.1.2.1.2.");
    assert.equal(curve.byteLength, is512 ? 64 : 32, curve.name);
  }
});

test("only the two standards' example sets are flagged as test sets", () => {
  const testOids = ALL.filter((curve) => curve.test).map((curve) => curve.oid);
  assert.deepEqual(testOids, ["1.2.643.2.2.35.0", "1.2.643.7.1.2.1.2.0"]);
});

test("curveByOid refuses a test parameter set unless allowed", () => {
  assert.throws(() => curveByOid("1.2.643.2.2.35.0"), /test parameter set/);
  assert.equal(curveByOid("1.2.643.2.2.35.0", { allowTest: true }).test, true);
});

test("curveByOid throws for an unknown OID", () => {
  assert.throws(
    () => curveByOid("1.2.643.2.2.35.9"),
    /Unsupported GOST R 34.10 parameter set OID 1.2.643.2.2.35.9/,
  );
});

test("findCurveByOid returns undefined for unknown OIDs and disallowed test sets", () => {
  assert.equal(findCurveByOid("1.2.840.10045.3.1.7"), undefined);
  assert.equal(findCurveByOid("1.2.643.7.1.2.1.2.0"), undefined);
  assert.equal(
    findCurveByOid("1.2.643.7.1.2.1.2.0", { allowTest: true })?.name,
    "id-tc26-gost-3410-2012-512-paramSetTest",
  );
});

test("allGostCurves leaves out the test sets by default", () => {
  assert.equal(allGostCurves().length, 12);
  assert.ok(allGostCurves().every((curve) => !curve.test));
});

for (const curve of oneCurvePerDomain) {
  test(`${curve.domainName}: the base point lies on the curve`, () => {
    const { gx, gy, a, b, p } = curve;
    assert.equal((gy * gy) % p, ((((gx * gx + a) * gx + b) % p) + p) % p);
    curve.Point.BASE.assertValidity();
  });

  test(`${curve.domainName}: the base point has order q`, () => {
    const G = curve.Point.BASE;
    assert.ok(!G.is0());
    assert.ok(
      G.multiplyUnsafe(curve.q - 1n)
        .add(G)
        .is0(),
    );
  });

  // The group order is a multiple of q (the base point has order q) within 2√p of p + 1; q > 4√p leaves
  // only one such multiple, so this pins the cofactor down exactly.
  test(`${curve.domainName}: the group order is exactly cofactor·q`, () => {
    assert.ok(curve.q > 4n * sqrtFloor(curve.p) + 4n);
    const order = curve.cofactor * curve.q;
    const distance = order > curve.p + 1n ? order - curve.p - 1n : curve.p + 1n - order;
    assert.ok(distance <= 2n * sqrtFloor(curve.p) + 1n, describe(curve));
  });
}

function describe(curve: GostCurve): string {
  return `${curve.name}: p=${curve.p.toString(16)} q=${curve.q.toString(16)} h=${curve.cofactor}`;
}
