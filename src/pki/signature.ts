import { ed25519 } from "@noble/curves/ed25519.js";
import { p256, p384, p521 } from "@noble/curves/nist.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import * as asn1js from "asn1js";
import { BoundedCache } from "../lib/bounded-cache.ts";
import type { PkiAlgorithms, VerifyResult } from "./algorithms.ts";
import type { ParsedCertificate } from "./certificate.ts";
import { KeyOid, SignatureOid } from "./oids.ts";
import { subtle } from "./webcrypto.ts";

/**
 * Raw ("simple") signatures over data, made with a certificate's key: one verifier per key algorithm, from
 * the instance's `PkiAlgorithms`. The standard ones here run anywhere (WebCrypto for ECDSA and RSA, noble for
 * Ed25519); the server replaces them with node:crypto ones (src/server/verification/node-verifiers.ts).
 */

/** No supported algorithm has signatures near this size; larger input is refused before any crypto. */
export const MAX_SIGNATURE_BYTES = 1024;

export async function verifyRawSignature(
  algorithms: PkiAlgorithms,
  cert: ParsedCertificate,
  data: Uint8Array,
  signature: Uint8Array,
): Promise<VerifyResult> {
  const keyAlgorithm: string = cert?.keyAlgorithm ?? "unknown";
  if (!(data instanceof Uint8Array) || !(signature instanceof Uint8Array)) {
    return { valid: false, algorithm: keyAlgorithm, reason: "data and signature must be bytes" };
  }
  if (signature.byteLength === 0) return { valid: false, algorithm: keyAlgorithm, reason: "empty signature" };
  if (signature.byteLength > MAX_SIGNATURE_BYTES) {
    return {
      valid: false,
      algorithm: keyAlgorithm,
      reason: `signature too large (${signature.byteLength} bytes)`,
    };
  }
  const verifier = algorithms.rawVerifierFor(cert.keyAlgorithm);
  if (!verifier) {
    return {
      valid: false,
      algorithm: keyAlgorithm,
      reason: `unsupported algorithm ${keyAlgorithm} (key OID ${cert.keyAlgorithmOid})`,
    };
  }
  try {
    const result = await verifier(cert, data, signature);
    // A verifier's word is only taken as a yes when it says exactly `true`.
    return result.valid === true ? result : { ...result, valid: false };
  } catch (error) {
    return {
      valid: false,
      algorithm: keyAlgorithm,
      reason: `verification error: ${(error as Error).message}`,
    };
  }
}

export const INVALID_SIGNATURE = "signature does not verify";

/** ECDSA, RSA and Ed25519, raw and (Ed25519) on certificates, CRLs and CMS; ECDSA/RSA ones pkijs does itself. */
export function addStandardAlgorithms(algorithms: PkiAlgorithms): void {
  algorithms.setRawVerifier(["ecdsa-p256", "ecdsa-p384", "ecdsa-p521"], ecdsaVerifier());
  algorithms.setRawVerifier(["rsa", "rsa-pss"], rsaVerifier());
  algorithms.setRawVerifier(["ed25519"], verifyEd25519);
  // Ed25519 (RFC 8410): the signature OID equals the key OID and has no parameters.
  algorithms.setCertificateSignatureVerifier([SignatureOid.ed25519], ({ data, signature, publicKeyInfo }) => {
    if (publicKeyInfo.algorithm.algorithmId !== KeyOid.ed25519) return false;
    return ed25519Verifies(signature, data, publicKeyInfo.subjectPublicKey.valueBlock.valueHexView);
  });
}

/** The subjectPublicKey BIT STRING contents: the EC point, the Ed25519 key. */
function publicKeyBits(cert: ParsedCertificate): Uint8Array {
  return cert.certificate.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView;
}

function spkiOf(cert: ParsedCertificate): Uint8Array<ArrayBuffer> {
  return new Uint8Array(cert.certificate.subjectPublicKeyInfo.toSchema().toBER(false));
}

// --- ECDSA: DER or r||s, with the curve's hash -------------------------------------------------------

const ECDSA_CURVES = {
  "ecdsa-p256": { curve: p256, hash: "sha256", size: 32, namedCurve: "P-256", webHash: "SHA-256" },
  "ecdsa-p384": { curve: p384, hash: "sha384", size: 48, namedCurve: "P-384", webHash: "SHA-384" },
  "ecdsa-p521": { curve: p521, hash: "sha512", size: 66, namedCurve: "P-521", webHash: "SHA-512" },
} as const;

type EcdsaCurve = (typeof ECDSA_CURVES)[keyof typeof ECDSA_CURVES];
type EcdsaLayout = "der" | "raw";

/**
 * ECDSA through WebCrypto, the signature read by noble: the arithmetic is native (in a browser noble's took a
 * third of the page's CPU while a 200-chat list loaded, docs/PERFORMANCE.md "web"), what is accepted is noble's
 * reading of the bytes (strict DER, or r||s; lowS off: X.509 and CMS signers do not normalise s, and OpenSSL
 * accepts both halves too), and so is the key: noble reads the point, WebCrypto gets it uncompressed ("raw"),
 * never the certificate's SPKI, which WebCrypto implementations read differently (OpenSSL takes hybrid 0x06/0x07
 * points that noble and BoringSSL refuse). A point noble will not read, or a key WebCrypto will not import, is
 * left to noble, whose verdict stands.
 */
function ecdsaVerifier() {
  // Imported keys by certificate fingerprint: importing costs more than verifying.
  const keys = new BoundedCache<string, CryptoKey | "noble">(1000);
  const importKey = async (cert: ParsedCertificate, curve: EcdsaCurve): Promise<CryptoKey | "noble"> => {
    let key = keys.get(cert.fingerprint);
    if (!key) {
      key = await importPoint(publicKeyBits(cert), curve);
      keys.set(cert.fingerprint, key);
    }
    return key;
  };
  const verifies = async (
    key: CryptoKey | "noble",
    cert: ParsedCertificate,
    curve: EcdsaCurve,
    layout: EcdsaLayout,
    data: Uint8Array,
    signature: Uint8Array,
  ): Promise<boolean> => {
    if (key === "noble") {
      const options = { format: layout === "der" ? "der" : "compact", lowS: false, prehash: true } as const;
      return quietly(() => curve.curve.verify(signature, data, publicKeyBits(cert), options));
    }
    let compact: Uint8Array<ArrayBuffer>;
    try {
      const parsed = curve.curve.Signature.fromBytes(signature, layout === "der" ? "der" : "compact");
      compact = new Uint8Array(parsed.toBytes("compact"));
    } catch {
      return false;
    }
    return subtle()
      .verify({ name: "ECDSA", hash: curve.webHash }, key, compact, new Uint8Array(data))
      .catch(() => false);
  };
  return async (cert: ParsedCertificate, data: Uint8Array, signature: Uint8Array): Promise<VerifyResult> => {
    const curve = ECDSA_CURVES[cert.keyAlgorithm as keyof typeof ECDSA_CURVES];
    const algorithm = `${cert.keyAlgorithm}-${curve.hash}`;
    const layouts: EcdsaLayout[] = [];
    if (signature[0] === 0x30) layouts.push("der");
    if (signature.byteLength === 2 * curve.size) layouts.push("raw");
    if (layouts.length === 0) return { valid: false, algorithm, reason: "signature is neither DER nor r||s" };
    const key = await importKey(cert, curve);
    for (const layout of layouts) {
      if (await verifies(key, cert, curve, layout, data, signature))
        return { valid: true, algorithm, layout };
    }
    return { valid: false, algorithm, layout: layouts.join("|"), reason: INVALID_SIGNATURE };
  };
}

/**
 * Throws unless an ECDSA certificate's key is a point noble reads (on its curve, compressed or uncompressed): the
 * one reading of a key the SDK and the server share (DECISIONS §42). Other key algorithms pass.
 */
export function assertReadableEcPoint(cert: ParsedCertificate): void {
  ECDSA_CURVES[cert.keyAlgorithm as keyof typeof ECDSA_CURVES]?.curve.Point.fromBytes(publicKeyBits(cert));
}

async function importPoint(bits: Uint8Array, curve: EcdsaCurve): Promise<CryptoKey | "noble"> {
  let point: Uint8Array<ArrayBuffer>;
  try {
    point = new Uint8Array(curve.curve.Point.fromBytes(bits).toBytes(false));
  } catch {
    return "noble";
  }
  return subtle()
    .importKey("raw", point, { name: "ECDSA", namedCurve: curve.namedCurve }, false, ["verify"])
    .catch(() => "noble" as const);
}

// --- RSA: PKCS#1 v1.5 or PSS, SHA-256 (WebCrypto) ----------------------------------------------------

const SHA256_BYTES = 32;

function rsaVerifier() {
  // Imported keys by certificate fingerprint and scheme: importing costs more than verifying.
  const keys = new BoundedCache<string, CryptoKey>(1000);
  const importKey = async (cert: ParsedCertificate, name: "RSASSA-PKCS1-v1_5" | "RSA-PSS") => {
    const id = `${cert.fingerprint}/${name}`;
    let key = keys.get(id);
    if (!key) {
      key = await subtle().importKey("spki", spkiOf(cert), { name, hash: "SHA-256" }, false, ["verify"]);
      keys.set(id, key);
    }
    return key;
  };
  return async (cert: ParsedCertificate, data: Uint8Array, signature: Uint8Array): Promise<VerifyResult> => {
    const bytes = new Uint8Array(data);
    const signed = new Uint8Array(signature);
    if (cert.keyAlgorithm === "rsa") {
      const key = await importKey(cert, "RSASSA-PKCS1-v1_5");
      if (
        await subtle()
          .verify("RSASSA-PKCS1-v1_5", key, signed, bytes)
          .catch(() => false)
      ) {
        return { valid: true, algorithm: "rsa-pkcs1-sha256", layout: "pkcs1-v1_5" };
      }
    }
    // WebCrypto needs the salt length, which a signer may choose (node:crypto's check takes any): the one the
    // signature's encoding holds, WebCrypto then verifying the signature with it.
    const saltLength = pssSaltLength(cert, signed);
    const key = await importKey(cert, "RSA-PSS");
    if (
      saltLength !== undefined &&
      (await subtle()
        .verify({ name: "RSA-PSS", saltLength }, key, signed, bytes)
        .catch(() => false))
    ) {
      return { valid: true, algorithm: "rsa-pss-sha256", layout: "pss" };
    }
    return {
      valid: false,
      algorithm: cert.keyAlgorithm === "rsa" ? "rsa-sha256" : "rsa-pss-sha256",
      reason: INVALID_SIGNATURE,
    };
  };
}

/**
 * The salt length of an RSA-PSS (SHA-256, MGF1 with SHA-256) signature, read from its encoded message (RFC 8017
 * §9.1.2, steps 4–10); undefined when the encoding is malformed. It only tells WebCrypto which length to check.
 */
function pssSaltLength(cert: ParsedCertificate, signature: Uint8Array): number | undefined {
  const { result } = asn1js.fromBER(publicKeyBits(cert));
  const [modulus, exponent] = result instanceof asn1js.Sequence ? result.valueBlock.value : [];
  if (!(modulus instanceof asn1js.Integer) || !(exponent instanceof asn1js.Integer)) return undefined;
  const n = bigIntOf(modulus.valueBlock.valueHexView);
  const s = bigIntOf(signature);
  if (s >= n) return undefined;
  const emBits = n.toString(2).length - 1;
  const emLength = Math.ceil(emBits / 8);
  const em = bytesOf(powMod(s, bigIntOf(exponent.valueBlock.valueHexView), n), emLength);
  const dbLength = emLength - SHA256_BYTES - 1;
  if (!em || dbLength < 1 || em[emLength - 1] !== 0xbc) return undefined;
  const hash = em.subarray(dbLength, dbLength + SHA256_BYTES);
  const mask = mgf1Sha256(hash, dbLength);
  const db = em.subarray(0, dbLength).map((byte, at) => byte ^ (mask[at] ?? 0));
  db[0] = (db[0] ?? 0) & (0xff >> (8 * emLength - emBits));
  const separator = db.findIndex((byte) => byte !== 0);
  return separator >= 0 && db[separator] === 0x01 ? dbLength - separator - 1 : undefined;
}

function mgf1Sha256(seed: Uint8Array, length: number): Uint8Array {
  const mask = new Uint8Array(Math.ceil(length / SHA256_BYTES) * SHA256_BYTES);
  for (let counter = 0; counter * SHA256_BYTES < length; counter++) {
    const block = new Uint8Array(seed.length + 4);
    block.set(seed);
    new DataView(block.buffer).setUint32(seed.length, counter);
    mask.set(sha256(block), counter * SHA256_BYTES);
  }
  return mask.subarray(0, length);
}

function bigIntOf(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${bytesToHex(bytes)}`);
}

/** Big-endian in exactly `length` bytes, or undefined when the number needs more. */
function bytesOf(value: bigint, length: number): Uint8Array | undefined {
  const hex = value.toString(16).padStart(length * 2, "0");
  return hex.length > length * 2 ? undefined : hexToBytes(hex);
}

function powMod(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let power = base % modulus;
  for (let rest = exponent; rest > 0n; rest >>= 1n) {
    if (rest & 1n) result = (result * power) % modulus;
    power = (power * power) % modulus;
  }
  return result;
}

// --- Ed25519 -------------------------------------------------------------------------------------------

function verifyEd25519(cert: ParsedCertificate, data: Uint8Array, signature: Uint8Array): VerifyResult {
  if (signature.byteLength !== 64)
    return { valid: false, algorithm: "ed25519", reason: "Ed25519 signatures are 64 bytes" };
  const valid = ed25519Verifies(signature, data, publicKeyBits(cert));
  return valid ? { valid, algorithm: "ed25519" } : { valid, algorithm: "ed25519", reason: INVALID_SIGNATURE };
}

/** RFC 8032 rules (not ZIP-215's looser ones), as OpenSSL applies them. */
function ed25519Verifies(signature: Uint8Array, data: Uint8Array, publicKey: Uint8Array): boolean {
  return quietly(() => ed25519.verify(signature, data, publicKey, { zip215: false }));
}

/** Malformed keys or signatures throw; for us that is simply "does not verify". */
function quietly(check: () => boolean): boolean {
  try {
    return check() === true;
  } catch {
    return false;
  }
}
