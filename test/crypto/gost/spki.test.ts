import assert from "node:assert/strict";
import { test } from "node:test";
import {
  GOST_KEY_ALGORITHM_OIDS,
  gostPublicKeyFromSpki,
  parseGostKeyParameters,
  parseGostSubjectPublicKeyInfo,
} from "../../../src/crypto/gost/spki.ts";
import { readPemVector, signedObjectParts } from "./certificate-parts.ts";

const hex = (value: string): Uint8Array => new Uint8Array(Buffer.from(value, "hex"));

function spkiOf(relative: string): Uint8Array {
  const { spki } = signedObjectParts(readPemVector(relative));
  assert.ok(spki, `${relative} has no SubjectPublicKeyInfo`);
  return spki;
}

const INFOTECS: [string, string][] = [
  ["short_cp_a.pem", "1.2.643.2.2.35.1"],
  ["short_cp_b.pem", "1.2.643.2.2.35.2"],
  ["short_cp_c.pem", "1.2.643.2.2.35.3"],
  ["short_tc_a.pem", "1.2.643.7.1.2.1.1.1"],
  ["short_tc_b.pem", "1.2.643.7.1.2.1.1.2"],
  ["short_tc_c.pem", "1.2.643.7.1.2.1.1.3"],
  ["short_tc_d.pem", "1.2.643.7.1.2.1.1.4"],
  ["long_tc_a.pem", "1.2.643.7.1.2.1.2.1"],
  ["long_tc_b.pem", "1.2.643.7.1.2.1.2.2"],
  ["long_tc_c.pem", "1.2.643.7.1.2.1.2.3"],
];

for (const [file, paramSetOid] of INFOTECS) {
  test(`Infotecs ${file}: the key parses on ${paramSetOid} and passes the point checks`, () => {
    const key = gostPublicKeyFromSpki(spkiOf(`gost/infotecs-certs/${file}`));
    assert.equal(key.curve.oid, paramSetOid);
    assert.equal(key.spki.rawPublicKey.length, 2 * key.curve.byteLength);
  });
}

test("parameters with only publicKeyParamSet have no digest OID", () => {
  // SEQUENCE { OID 1.2.643.7.1.2.1.1.1 }
  const parameters = parseGostKeyParameters(hex("300b06092a8503070102010101"));
  assert.deepEqual(parameters, { paramSetOid: "1.2.643.7.1.2.1.1.1" });
});

test("GOST 2001 parameters carry the digest parameter set", () => {
  const spki = parseGostSubjectPublicKeyInfo(spkiOf("gost-legacy/certs/rfc4491_gost2001_cert.pem"));
  assert.equal(spki.algorithmOid, GOST_KEY_ALGORITHM_OIDS.gost2001);
  assert.equal(spki.paramSetOid, "1.2.643.2.2.36.0");
  assert.equal(spki.digestOid, "1.2.643.2.2.30.1");
});

test("a GOST 2012-256 key with a digest OID reports it", () => {
  const spki = parseGostSubjectPublicKeyInfo(spkiOf("gost/infotecs-certs/short_cp_a.pem"));
  assert.equal(spki.algorithmOid, GOST_KEY_ALGORITHM_OIDS.gost2012_256);
  assert.equal(spki.digestOid, "1.2.643.7.1.1.2.2");
});

test("a GOST R 34.10-94 key is not accepted as a GOST R 34.10-2001/2012 key", () => {
  assert.throws(
    () => parseGostSubjectPublicKeyInfo(spkiOf("gost-legacy/certs/rfc4491_gost94_cert.pem")),
    /1\.2\.643\.2\.2\.20 is not a GOST R 34\.10 key/,
  );
});

test("a test parameter set is refused unless allowed", () => {
  const spki = spkiOf("gost/rfc9215/256-testparamset-cert.pem");
  assert.throws(() => gostPublicKeyFromSpki(spki), /test parameter set/);
  assert.equal(gostPublicKeyFromSpki(spki, { allowTest: true }).curve.test, true);
});

test("trailing bytes after the SubjectPublicKeyInfo are refused", () => {
  const spki = spkiOf("gost/infotecs-certs/short_tc_b.pem");
  assert.throws(() => parseGostSubjectPublicKeyInfo(new Uint8Array([...spki, 0])), /trailing bytes/);
});

test("parameters that are not a SEQUENCE of OIDs are refused", () => {
  assert.throws(() => parseGostKeyParameters(hex("0500")), /must be a SEQUENCE/);
  assert.throws(() => parseGostKeyParameters(hex("3003020101")), /OBJECT IDENTIFIER/);
});

test("a 512-bit parameter set under the 256-bit key algorithm is refused", () => {
  const spki = Buffer.from(spkiOf("gost/infotecs-certs/short_tc_b.pem")).toString("hex");
  const tc26_256B = "06092a8503070102010102";
  const tc26_512A = "06092a8503070102010201";
  assert.ok(spki.includes(tc26_256B));
  const forged = hex(spki.replace(tc26_256B, tc26_512A));
  assert.throws(() => gostPublicKeyFromSpki(forged), /does not match parameter set/);
});
