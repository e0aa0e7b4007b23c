/**
 * Parsed and validated GOST public keys, cached by the SHA-256 of their SubjectPublicKeyInfo (so every
 * certificate carrying the key, and both the raw and the pkijs paths, share one entry). Parsing validates
 * the point (on the curve, in the prime-order subgroup), which costs a scalar multiplication on the
 * cofactor-4 curves; a key seen a second time — a CA key, typically — also gets a precomputed table that
 * makes its later verifications about 3× faster. Bounded: the least recently used entry goes first. One
 * cache per PKI instance.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { type GostPublicKey, precomputeGostPublicKey } from "../../crypto/gost/gost3410.ts";
import { type GostSubjectPublicKeyInfo, gostPublicKeyFromSpki } from "../../crypto/gost/spki.ts";
import { BoundedCache } from "../../lib/bounded-cache.ts";
import type { ParsedCertificate } from "../certificate.ts";

export type CachedGostPublicKey = GostPublicKey & { readonly spki: GostSubjectPublicKeyInfo };

interface CacheEntry {
  readonly key: CachedGostPublicKey;
  uses: number;
  precomputed: boolean;
}

const CACHE_LIMIT = 1000;
/** Uses after which a key is worth its precomputed table (25 ms for 256-bit keys, 80 ms for 512-bit). */
const PRECOMPUTE_AFTER_USES = 2;

export class GostPublicKeyCache {
  private readonly cache = new BoundedCache<string, CacheEntry>(CACHE_LIMIT);

  /**
   * The validated key of a GOST SubjectPublicKeyInfo. Throws for keys that do not parse or validate, and
   * for the test parameter sets unless `allowTestParameterSets` is set (checked on every call, cached or not).
   */
  keyOf(spkiDer: Uint8Array, options: { allowTestParameterSets?: boolean } = {}): CachedGostPublicKey {
    const entry = this.lookUp(spkiDer);
    const { key } = entry;
    if (key.curve.test && !options.allowTestParameterSets) {
      throw new Error(`GOST test parameter set ${key.curve.oid} (${key.curve.name}) is not allowed`);
    }
    entry.uses++;
    if (entry.uses >= PRECOMPUTE_AFTER_USES) precompute(entry);
    return key;
  }

  /**
   * Parses and precomputes the GOST keys of certificates that will verify many signatures (trust anchors and
   * intermediates) now, at start-up, rather than on their first uses. Other keys are skipped.
   */
  warm(certificates: readonly ParsedCertificate[]): void {
    for (const certificate of certificates) {
      const spki = gostSpkiOf(certificate);
      if (!spki) continue;
      try {
        precompute(this.lookUp(spki));
      } catch {
        // An unusable anchor key fails later, where the chain is checked and the reason reported.
      }
    }
  }

  private lookUp(spkiDer: Uint8Array): CacheEntry {
    const id = bytesToHex(sha256(spkiDer));
    let entry = this.cache.get(id);
    if (!entry) {
      entry = { key: gostPublicKeyFromSpki(spkiDer, { allowTest: true }), uses: 0, precomputed: false };
      this.cache.set(id, entry);
    }
    return entry;
  }
}

function precompute(entry: CacheEntry): void {
  if (entry.precomputed) return;
  precomputeGostPublicKey(entry.key);
  entry.precomputed = true;
}

/** DER SubjectPublicKeyInfo of a certificate with a GOST R 34.10-2001/2012 key, else undefined. */
export function gostSpkiOf(certificate: ParsedCertificate): Uint8Array | undefined {
  if (!["gost2012-256", "gost2012-512", "gost2001"].includes(certificate.keyAlgorithm)) return undefined;
  return new Uint8Array(certificate.certificate.subjectPublicKeyInfo.toSchema().toBER(false));
}
