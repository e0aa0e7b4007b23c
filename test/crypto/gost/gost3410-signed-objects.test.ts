/**
 * GOST R 34.10-2012 over whole messages: Streebog digests of the vectors' data and of the stored
 * certificates, CSRs and CRLs (signed bytes exactly as stored, never re-encoded).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as pkijs from "pkijs";
import { curveByOid } from "../../../src/crypto/gost/curves.ts";
import { type GostPublicKey, verifyGostDigest } from "../../../src/crypto/gost/gost3410.ts";
import { gostPublicKeyFromSpki } from "../../../src/crypto/gost/spki.ts";
import { streebog256, streebog512 } from "../../../src/crypto/gost/streebog.ts";
import { readVectorJson } from "../../support/vectors.ts";
import { readPemVector, type SignedObjectParts, signedObjectParts } from "./certificate-parts.ts";

const hex = (value: string): Uint8Array => new Uint8Array(Buffer.from(value, "hex"));
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

const SIGNATURE_DIGESTS: Record<string, (data: Uint8Array) => Uint8Array> = {
  "1.2.643.7.1.1.3.2": streebog256, // id-tc26-signwithdigest-gost3410-12-256
  "1.2.643.7.1.1.3.3": streebog512, // id-tc26-signwithdigest-gost3410-12-512
};

function verifySignedObject(parts: SignedObjectParts, publicKey: GostPublicKey): boolean {
  const digestOf = SIGNATURE_DIGESTS[parts.signatureAlgorithmOid];
  assert.ok(digestOf, `unexpected signature algorithm ${parts.signatureAlgorithmOid}`);
  return verifyGostDigest({
    curve: publicKey.curve,
    publicKey,
    digest: digestOf(parts.tbs),
    signature: parts.signature,
  });
}

function selfSignedKey(parts: SignedObjectParts): GostPublicKey {
  assert.ok(parts.spki, "no SubjectPublicKeyInfo");
  return gostPublicKeyFromSpki(parts.spki, { allowTest: true });
}

// ---- CryptoPro raw signatures: message → Streebog → verify ---------------------------------------

interface CryptoProVector {
  paramSetOid: string;
  paramSetName: string;
  bits: 256 | 512;
  data_hex: string;
  hash_hex: string;
  signature_cryptoapi_hex: string;
  publickey_cryptoapi_hex: string;
}
const cryptoPro = readVectorJson<{ vectors: CryptoProVector[] }>("gost/cryptopro-raw-signatures.json");

for (const vector of cryptoPro.vectors) {
  test(`CryptoPro ${vector.paramSetName}: the Streebog digest of the data is the vector's hash`, () => {
    const digest = (vector.bits === 256 ? streebog256 : streebog512)(hex(vector.data_hex));
    assert.equal(toHex(digest), vector.hash_hex);
  });

  test(`CryptoPro ${vector.paramSetName}: the CryptoAPI signature verifies over the hashed data`, () => {
    const digest = (vector.bits === 256 ? streebog256 : streebog512)(hex(vector.data_hex));
    const curve = curveByOid(vector.paramSetOid);
    const valid = verifyGostDigest({
      curve,
      publicKey: hex(vector.publickey_cryptoapi_hex),
      digest,
      signature: hex(vector.signature_cryptoapi_hex),
      layout: "cryptoapi",
    });
    assert.equal(valid, true);
  });
}

// ---- self-signed certificates --------------------------------------------------------------------

const SELF_SIGNED = [
  ...["short_cp_a", "short_cp_b", "short_cp_c", "short_tc_a", "short_tc_b", "short_tc_c", "short_tc_d"],
  ...["long_tc_a", "long_tc_b", "long_tc_c"],
].map((name) => `gost/infotecs-certs/${name}.pem`);
SELF_SIGNED.push(
  "gost/tk26iok/tk26iok-256-xcha-selfsigned.pem",
  "gost/tk26iok/tk26iok-512-paramsetB-selfsigned.pem",
  "gost/rfc9215/256-testparamset-cert.pem",
  "gost/rfc9215/256-tc26-paramSetA-cert.pem",
  "gost/rfc9215/512-testparamset-cert.pem",
);

for (const file of SELF_SIGNED) {
  test(`${file}: the self-signed certificate's signature verifies`, () => {
    const parts = signedObjectParts(readPemVector(file));
    assert.equal(verifySignedObject(parts, selfSignedKey(parts)), true);
  });

  test(`${file}: a certificate with one flipped TBS bit does not verify`, () => {
    const parts = signedObjectParts(readPemVector(file));
    const tbs = Uint8Array.from(parts.tbs);
    tbs[tbs.length - 10] = (tbs[tbs.length - 10] ?? 0) ^ 0x01;
    assert.equal(verifySignedObject({ ...parts, tbs }, selfSignedKey(parts)), false);
  });
}

// ---- RFC 9215 CSRs and CRLs, with the published signature values ----------------------------------

interface Rfc9215Example {
  name: string;
  csr_sig_hex: string;
  cert_sig_hex: string;
  crl_sig_hex: string;
}
const rfc9215 = readVectorJson<{ examples: Rfc9215Example[] }>("gost/rfc9215/keys.json");

for (const example of rfc9215.examples) {
  const certificate = signedObjectParts(readPemVector(`gost/rfc9215/${example.name}-cert.pem`));
  const key = selfSignedKey(certificate);

  for (const kind of ["cert", "csr", "crl"] as const) {
    test(`RFC 9215 ${example.name}: the ${kind} carries the published signature and it verifies`, () => {
      const parts = signedObjectParts(readPemVector(`gost/rfc9215/${example.name}-${kind}.pem`));
      assert.equal(toHex(parts.signature), example[`${kind}_sig_hex`].toLowerCase());
      assert.equal(verifySignedObject(parts, key), true);
    });
  }
}

// ---- TK26 CMS SignedData without signedAttrs (signature over the content digest) -------------------

const CMS_SIGNERS: [string, string, (data: Uint8Array) => Uint8Array][] = [
  ["gost/tk26cms/signed-256-xcha.pem", "gost/tk26iok/tk26iok-256-xcha-selfsigned.pem", streebog256],
  ["gost/tk26cms/signed-512-paramsetB.pem", "gost/tk26iok/tk26iok-512-paramsetB-selfsigned.pem", streebog512],
];

for (const [cmsFile, signerFile, digestOf] of CMS_SIGNERS) {
  test(`${cmsFile}: the SignerInfo signature verifies over the content with ${signerFile}'s key`, () => {
    const signedData = new pkijs.SignedData({
      schema: pkijs.ContentInfo.fromBER(readPemVector(cmsFile)).content,
    });
    const signer = signedData.signerInfos[0];
    const content = signedData.encapContentInfo.eContent;
    assert.ok(signer && content && !signer.signedAttrs);
    // TK26CMS names the key algorithm (1.2.643.7.1.1.1.x) as the signature algorithm.
    assert.match(signer.signatureAlgorithm.algorithmId, /^1\.2\.643\.7\.1\.1\.1\.[12]$/);
    const key = selfSignedKey(signedObjectParts(readPemVector(signerFile)));
    const valid = verifyGostDigest({
      curve: key.curve,
      publicKey: key,
      digest: digestOf(new Uint8Array(content.getValue())),
      signature: new Uint8Array(signer.signature.getValue()),
    });
    assert.equal(valid, true);
  });
}
