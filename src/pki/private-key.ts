/**
 * A private key read once from PKCS#8 (PEM or DER) and kept as a ready signer: WebCrypto for ECDSA and RSA,
 * noble for Ed25519, our GOST module for GOST R 34.10-2012/2001 keys (hedged nonces, blinded scalar
 * arithmetic: see src/crypto/gost/gost3410.ts). It signs raw data the way clients send it and, as a
 * `CertificateSigner`, TBS bytes and CMS signed attributes. Runs in Node and in browsers.
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256, sha512 } from "@noble/hashes/sha2.js";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { latin1 } from "./bytes.ts";
import type { KeyAlgorithm } from "./certificate.ts";
import { type GostPrivateKey, gostPrivateKeyFromPkcs8 } from "./gost/keys.ts";
import { gostCertificateSigner, signGostData } from "./gost/signing.ts";
import { CurveOid, DigestOid, KeyOid, SignatureOid } from "./oids.ts";
import { decodePemBlocks, looksLikePem } from "./pem.ts";
import { subtle } from "./webcrypto.ts";
import type { CertificateSigner } from "./x509-builder.ts";

/**
 * How to lay out a raw signature: "der" (default) or "raw" r||s for ECDSA; "cryptoapi" (default, what
 * CryptoPro clients send) or "standard" s||r big-endian for GOST. RSA and Ed25519 have one layout.
 */
export type RawSignatureLayout = "der" | "raw" | "cryptoapi" | "standard";

export interface PrivateKeySigner extends CertificateSigner {
  readonly keyAlgorithm: KeyAlgorithm;
  /** The PKCS#8 DER as read. */
  readonly pkcs8: Uint8Array;
  /** The GOST key itself, for GOST keys (chat-key agreement needs the scalar). */
  readonly gost?: GostPrivateKey;
  /** The digest CMS signs with: the GOST key's own hash; SHA-512 for Ed25519 (RFC 8419); else SHA-256. */
  readonly digestOid: string;
  digest(data: Uint8Array): Uint8Array;
  /** Raw signature of data: ECDSA with the curve's hash, RSA PKCS#1 v1.5 SHA-256, Ed25519, GOST. */
  signRaw(data: Uint8Array, layout?: RawSignatureLayout): Promise<Uint8Array>;
}

const SHA256_DIGEST = { digestOid: DigestOid.sha256, digest: (data: Uint8Array) => sha256(data) };

interface EcCurve {
  keyAlgorithm: KeyAlgorithm;
  namedCurve: string;
  hash: string;
  /** ecdsa-with-SHA256/384/512: the curve's own hash, as for raw signatures. */
  signatureOid: string;
}

const EC_CURVES: Record<string, EcCurve> = {
  [CurveOid.p256]: {
    keyAlgorithm: "ecdsa-p256",
    namedCurve: "P-256",
    hash: "SHA-256",
    signatureOid: SignatureOid.ecdsaWithSha256,
  },
  [CurveOid.p384]: {
    keyAlgorithm: "ecdsa-p384",
    namedCurve: "P-384",
    hash: "SHA-384",
    signatureOid: SignatureOid.ecdsaWithSha384,
  },
  [CurveOid.p521]: {
    keyAlgorithm: "ecdsa-p521",
    namedCurve: "P-521",
    hash: "SHA-512",
    signatureOid: SignatureOid.ecdsaWithSha512,
  },
};

/** `key`: PKCS#8 as PEM text, PEM bytes or DER. Throws for anything else, or a key type we cannot sign with. */
export async function importPrivateKey(key: string | Uint8Array): Promise<PrivateKeySigner> {
  const pkcs8 = pkcs8Der(key);
  const gost = gostPrivateKeyFromPkcs8(pkcs8);
  if (gost) return gostSigner(gost, pkcs8);
  const { algorithmOid, parameterOid, privateKey } = readPrivateKeyInfo(pkcs8);
  switch (algorithmOid) {
    case KeyOid.ecPublicKey:
      return ecdsaSigner(pkcs8, parameterOid);
    case KeyOid.rsaEncryption:
      return rsaSigner(pkcs8);
    case KeyOid.ed25519:
      return ed25519Signer(pkcs8, privateKey);
    default:
      throw new Error(`unsupported signing key type: ${algorithmOid}`);
  }
}

function gostSigner(gost: GostPrivateKey, pkcs8: Uint8Array): PrivateKeySigner {
  return {
    ...gostCertificateSigner(gost),
    keyAlgorithm: gost.scheme.keyAlgorithm,
    pkcs8,
    gost,
    digestOid: gost.scheme.digestOid,
    digest: (data) => gost.scheme.hash(data),
    signRaw: async (data, layout) =>
      signGostData(gost, data, layout === "standard" ? "standard" : "cryptoapi"),
  };
}

async function ecdsaSigner(pkcs8: Uint8Array, curveOid: string | undefined): Promise<PrivateKeySigner> {
  const curve = curveOid ? EC_CURVES[curveOid] : undefined;
  if (!curve) throw new Error(`unsupported curve: ${curveOid}`);
  const algorithm = { name: "ECDSA", namedCurve: curve.namedCurve };
  const key = await subtle().importKey("pkcs8", new Uint8Array(pkcs8), algorithm, false, ["sign"]);
  const signRaw = async (data: Uint8Array, layout?: RawSignatureLayout) => {
    // WebCrypto gives r||s (IEEE P1363); X.509, CMS and the "der" layout want the DER SEQUENCE.
    const signed = await subtle().sign({ name: "ECDSA", hash: curve.hash }, key, new Uint8Array(data));
    const rs = new Uint8Array(signed);
    return layout === "raw" ? rs : ecdsaDer(rs);
  };
  return {
    algorithm: new pkijs.AlgorithmIdentifier({ algorithmId: curve.signatureOid }),
    sign: (tbs) => signRaw(tbs, "der"),
    keyAlgorithm: curve.keyAlgorithm,
    pkcs8,
    ...SHA256_DIGEST,
    signRaw,
  };
}

async function rsaSigner(pkcs8: Uint8Array): Promise<PrivateKeySigner> {
  const algorithm = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
  const key = await subtle().importKey("pkcs8", new Uint8Array(pkcs8), algorithm, false, ["sign"]);
  const sign = async (data: Uint8Array) =>
    new Uint8Array(await subtle().sign("RSASSA-PKCS1-v1_5", key, new Uint8Array(data)));
  return {
    algorithm: new pkijs.AlgorithmIdentifier({
      algorithmId: SignatureOid.sha256WithRsa,
      algorithmParams: new asn1js.Null(),
    }),
    sign,
    keyAlgorithm: "rsa",
    pkcs8,
    ...SHA256_DIGEST,
    signRaw: sign,
  };
}

function ed25519Signer(pkcs8: Uint8Array, privateKey: Uint8Array): PrivateKeySigner {
  // RFC 8410 §7: the privateKey OCTET STRING wraps CurvePrivateKey, itself an OCTET STRING of the 32-byte seed.
  const inner = asn1js.fromBER(privateKey).result;
  const seed = inner instanceof asn1js.OctetString ? inner.valueBlock.valueHexView : undefined;
  if (seed?.length !== 32) throw new Error("malformed Ed25519 private key");
  const secret = new Uint8Array(seed);
  const sign = async (data: Uint8Array) => ed25519.sign(data, secret);
  return {
    algorithm: new pkijs.AlgorithmIdentifier({ algorithmId: KeyOid.ed25519 }),
    sign,
    keyAlgorithm: "ed25519",
    pkcs8,
    digestOid: DigestOid.sha512,
    digest: (data) => sha512(data),
    signRaw: sign,
  };
}

/** The PEM labels of private keys read here: PKCS#8, and OpenSSL's traditional EC (SEC1) and RSA (PKCS#1). */
const KEY_LABELS = new Set(["PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY"]);

/**
 * PEM text or bytes (the first private key block), or DER as it is (PKCS#8). A traditional EC or RSA key, as
 * `openssl ecparam -genkey` or OpenSSL 1.x `genrsa` write it, is wrapped into its PKCS#8.
 */
function pkcs8Der(key: string | Uint8Array): Uint8Array {
  if (typeof key !== "string" && key[0] === 0x30) return new Uint8Array(key);
  const text = typeof key === "string" ? key : latin1(key);
  const block = looksLikePem(text) ? decodePemBlocks(text).find((b) => KEY_LABELS.has(b.label)) : undefined;
  if (!block) throw new Error('the key is not a PKCS#8 private key (PEM "PRIVATE KEY" or DER)');
  if (block.label === "EC PRIVATE KEY")
    return wrapInPkcs8(KeyOid.ecPublicKey, sec1CurveOid(block.der), block.der);
  if (block.label === "RSA PRIVATE KEY")
    return wrapInPkcs8(KeyOid.rsaEncryption, new asn1js.Null(), block.der);
  return block.der;
}

/** PrivateKeyInfo { version 0, AlgorithmIdentifier { OID, parameters }, privateKey OCTET STRING }. */
function wrapInPkcs8(algorithmOid: string, parameters: asn1js.BaseBlock, privateKey: Uint8Array): Uint8Array {
  const info = new asn1js.Sequence({
    value: [
      new asn1js.Integer({ value: 0 }),
      new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: algorithmOid }), parameters] }),
      new asn1js.OctetString({ valueHex: privateKey }),
    ],
  });
  return new Uint8Array(info.toBER(false));
}

/** The named curve of a SEC1 ECPrivateKey { version, privateKey, [0] parameters, [1] publicKey }. */
function sec1CurveOid(der: Uint8Array): asn1js.ObjectIdentifier {
  const { result } = asn1js.fromBER(der);
  const fields = result instanceof asn1js.Sequence ? result.valueBlock.value : [];
  const parameters = fields.find((field) => field.idBlock.tagClass === 3 && field.idBlock.tagNumber === 0);
  const [curve] = parameters instanceof asn1js.Constructed ? parameters.valueBlock.value : [];
  if (!(curve instanceof asn1js.ObjectIdentifier)) throw new Error("EC private key without a named curve");
  return curve;
}

/** PrivateKeyInfo { version, AlgorithmIdentifier { OID, parameters }, privateKey OCTET STRING, … }. */
function readPrivateKeyInfo(der: Uint8Array): {
  algorithmOid: string;
  parameterOid?: string;
  privateKey: Uint8Array;
} {
  const { result } = asn1js.fromBER(der);
  const [, algorithm, privateKey] = result instanceof asn1js.Sequence ? result.valueBlock.value : [];
  const [oid, parameters] = algorithm instanceof asn1js.Sequence ? algorithm.valueBlock.value : [];
  if (!(oid instanceof asn1js.ObjectIdentifier) || !(privateKey instanceof asn1js.OctetString)) {
    throw new Error("malformed PKCS#8 private key");
  }
  return {
    algorithmOid: oid.valueBlock.toString(),
    ...(parameters instanceof asn1js.ObjectIdentifier
      ? { parameterOid: parameters.valueBlock.toString() }
      : {}),
    privateKey: privateKey.valueBlock.valueHexView,
  };
}

/** r||s (two equal halves, big-endian) → DER SEQUENCE { INTEGER r, INTEGER s }. */
function ecdsaDer(rs: Uint8Array): Uint8Array {
  const half = rs.length / 2;
  const integer = (bytes: Uint8Array) => {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start++;
    const minimal = bytes.subarray(start);
    const positive = (minimal[0] ?? 0) & 0x80 ? Uint8Array.of(0, ...minimal) : minimal;
    return new asn1js.Integer({ valueHex: positive });
  };
  const sequence = new asn1js.Sequence({
    value: [integer(rs.subarray(0, half)), integer(rs.subarray(half))],
  });
  return new Uint8Array(sequence.toBER(false));
}
