/**
 * The digests a PFX names — for its MAC, for PBKDF2's PRF and for the PKCS#12 KDF — each as a HashDefinition
 * (block length, incremental hash) so one HMAC, one PBKDF2 and one PKCS#12 KDF serve them all.
 */
import { sha1 } from "@noble/hashes/legacy.js";
import { sha256, sha384, sha512 } from "@noble/hashes/sha2.js";
import { createGost341194 } from "../../crypto/gost/gost341194.ts";
import { type HashDefinition, hmac, type IncrementalHash } from "../../crypto/gost/hmac.ts";
import { createStreebog } from "../../crypto/gost/streebog.ts";

export interface PfxDigest extends HashDefinition {
  readonly outputLength: number;
  /** MAC key derivation: PBKDF2 with dkLen 96, last 32 bytes (R 50.1.112-2016), or the classic PKCS#12 KDF. */
  readonly macKdf: "pbkdf2" | "pkcs12";
}

/** A noble hash: its block length is `blockLen`, its output `outputLen`. */
interface NobleHash {
  readonly blockLen: number;
  readonly outputLen: number;
  create(): IncrementalHash;
}

const noble = (hash: NobleHash): Omit<PfxDigest, "macKdf"> => ({
  blockLength: hash.blockLen,
  outputLength: hash.outputLen,
  create: () => hash.create(),
});

const streebog512: PfxDigest = {
  blockLength: 64,
  outputLength: 64,
  create: () => createStreebog(512),
  macKdf: "pbkdf2",
};
const streebog256: PfxDigest = {
  blockLength: 64,
  outputLength: 32,
  create: () => createStreebog(256),
  macKdf: "pbkdf2",
};
/** GOST R 34.11-94 with the CryptoPro parameters, as every GOST 2001 PFX uses it. */
const gost94: PfxDigest = {
  blockLength: 32,
  outputLength: 32,
  create: () => createGost341194(),
  macKdf: "pkcs12",
};

/** Digest OIDs (MAC, PKCS#12 KDF). */
const BY_DIGEST_OID: Record<string, PfxDigest> = {
  "1.3.14.3.2.26": { ...noble(sha1), macKdf: "pkcs12" },
  "2.16.840.1.101.3.4.2.1": { ...noble(sha256), macKdf: "pkcs12" },
  "2.16.840.1.101.3.4.2.2": { ...noble(sha384), macKdf: "pkcs12" },
  "2.16.840.1.101.3.4.2.3": { ...noble(sha512), macKdf: "pkcs12" },
  "1.2.643.7.1.1.2.2": streebog256,
  "1.2.643.7.1.1.2.3": streebog512,
  "1.2.643.2.2.9": gost94,
};

/** HMAC OIDs: PBKDF2's PRF (RFC 8018 §B.1.2; TC26 and CryptoPro HMACs). */
const BY_HMAC_OID: Record<string, PfxDigest | undefined> = {
  "1.2.840.113549.2.7": BY_DIGEST_OID["1.3.14.3.2.26"],
  "1.2.840.113549.2.9": BY_DIGEST_OID["2.16.840.1.101.3.4.2.1"],
  "1.2.840.113549.2.10": BY_DIGEST_OID["2.16.840.1.101.3.4.2.2"],
  "1.2.840.113549.2.11": BY_DIGEST_OID["2.16.840.1.101.3.4.2.3"],
  "1.2.643.7.1.1.4.1": streebog256,
  "1.2.643.7.1.1.4.2": streebog512,
  "1.2.643.2.2.10": gost94,
};

export function digestByOid(oid: string): PfxDigest {
  const digest = BY_DIGEST_OID[oid];
  if (!digest) throw new Error(`unsupported PFX algorithm: digest ${oid}`);
  return digest;
}

export function hmacByOid(oid: string): PfxDigest {
  const digest = BY_HMAC_OID[oid];
  if (!digest) throw new Error(`unsupported PFX algorithm: PBKDF2 PRF ${oid}`);
  return digest;
}

export function digestOf(digest: PfxDigest, data: Uint8Array): Uint8Array {
  return digest.create().update(data).digest();
}

export function hmacOf(digest: PfxDigest, key: Uint8Array, message: Uint8Array): Uint8Array {
  return hmac(digest, key, message);
}
