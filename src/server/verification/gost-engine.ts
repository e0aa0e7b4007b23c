import { constants, createPublicKey, type KeyObject, setEngine, verify } from "node:crypto";
import { existsSync } from "node:fs";
import { curveByOid } from "../../crypto/gost/curves.ts";
import { gostPublicKeyFromSpki, parseGostSubjectPublicKeyInfo } from "../../crypto/gost/spki.ts";
import { BoundedCache } from "../../lib/bounded-cache.ts";
import type { PkiAcceleration, RawSignatureVerifier, VerifyResult } from "../../pki/algorithms.ts";
import type { KeyAlgorithm, ParsedCertificate } from "../../pki/certificate.ts";

/**
 * Debian's libengine-gost-openssl as a fast path for GOST raw signatures (docs/DECISIONS.md §5). Node 20's bundled
 * OpenSSL 3.0 still loads engines, and the engine's key and digest methods then serve createPublicKey and
 * crypto.verify in every thread of the process. The engine is only trusted after a known-answer test, and
 * only for keys we have validated ourselves: cofactor-4 curves (whose subgroup check costs as much as a
 * JS verification) stay on the JS verifier.
 */

export const DEBIAN_GOST_ENGINE = "/usr/lib/x86_64-linux-gnu/engines-3/gost.so";

export type GostEngineSetting = "auto" | "off" | { path: string };

export type GostEngineStatus = { engine: true; path: string } | { engine: false; reason: string };

/** For the start-up banner: "engine (path)" or "JS (why not the engine)". */
export function describeGostEngine(status: GostEngineStatus): string {
  return status.engine ? `engine (${status.path}, self-test passed)` : `JS (${status.reason})`;
}

/**
 * Loads the engine into the process (main thread, once) and runs the known-answer test. Never throws:
 * any failure leaves the JS verifier in charge and says why.
 */
export function loadGostEngine(setting: GostEngineSetting): GostEngineStatus {
  if (setting === "off") return { engine: false, reason: "CERTCHAT_GOST_ENGINE=off" };
  const path = setting === "auto" ? DEBIAN_GOST_ENGINE : setting.path;
  if (!existsSync(path)) return { engine: false, reason: `libengine-gost-openssl not installed (${path})` };
  try {
    // Keys, signatures and digests only: the engine must not become the default for anything else.
    setEngine(
      path,
      constants.ENGINE_METHOD_PKEY_METHS |
        constants.ENGINE_METHOD_PKEY_ASN1_METHS |
        constants.ENGINE_METHOD_DIGESTS,
    );
  } catch (error) {
    return { engine: false, reason: `crypto.setEngine failed: ${(error as Error).message}` };
  }
  const failure = gostEngineSelfTest();
  return failure ? { engine: false, reason: `engine self-test failed: ${failure}` } : { engine: true, path };
}

/** `bytes`: the signature's exact size (s || r); the engine reads only that many and ignores the rest. */
const DIGESTS: Partial<Record<KeyAlgorithm, { digest: string; name: string; bytes: number }>> = {
  "gost2012-256": { digest: "md_gost12_256", name: "gost2012-256-streebog256", bytes: 64 },
  "gost2012-512": { digest: "md_gost12_512", name: "gost2012-512-streebog512", bytes: 128 },
  gost2001: { digest: "md_gost94", name: "gost2001-gostr3411-94", bytes: 64 },
};

/**
 * Signatures made by gost-engine's `openssl dgst -sign` (an implementation independent of ours; the unit
 * tests check that our JS verifier accepts them too) over KAT_MESSAGE, standard s||r layout.
 */
const KAT_MESSAGE = Buffer.from("certchat GOST engine known-answer test");
const KAT_VECTORS: ReadonlyArray<{ keyAlgorithm: KeyAlgorithm; spki: string; signature: string }> = [
  {
    keyAlgorithm: "gost2012-256",
    spki: "MGYwHwYIKoUDBwEBAQEwEwYHKoUDAgIjAgYIKoUDBwEBAgIDQwAEQJtBsFkcvRfLFhVPUus5cEj7LlZdMsR/VYUd4ZZWh5pW/Dy5RAqGGJBdxxke9EDut9hobVmQ0F522YwpdC/d4XE=",
    signature:
      "3dc0c91f65b0eb92aad462dda3d88a778cc7440aa1536b2299d879e0145da0883d523aa434ab52e5e272687d116b80fb36b7b2e367826e7c1e7a338f9d0436fb",
  },
  {
    keyAlgorithm: "gost2012-512",
    spki: "MIGqMCEGCCqFAwcBAQECMBUGCSqFAwcBAgECAQYIKoUDBwEBAgMDgYQABIGAao+drfLiIFlV8dOib17V2DvrpLE5ENZ30MCFpySDUL2+vpWw2X/2Hbh2hOJPeMWzA1CjDsf3IT98Jm0DIVzAEO3P3FPEgzweuiX/qm/UwIXA0QptXEviTRe1w7CD+0Wk0YKx/cDQ+3xdp+JYlLoQxheo3tjo2V7YNLHNtK5iQsU=",
    signature:
      "3970fca4bc631270e4af7b0a2594543794bfa9188ec2e3350bbc9d69314fa291a581f0c3517033a8e18491b2bc98c155189a7f4d141d77d93eac68511b705829f9e8c718c9e313f4f8005738ab30f66172dbe1b507caaf03e6b586646082ec7da9ddd3d86aec1a4279f5a71596bd260693ee7975ab20979da2c208c7667a42d0",
  },
  {
    keyAlgorithm: "gost2001",
    spki: "MGMwHAYGKoUDAgITMBIGByqFAwICIwEGByqFAwICHgEDQwAEQONjNB52WUhulPMon1ZfjX/epzXjuQQVIAJkDESjrzkJ8NxANCVcKhjtD+RmGpHAFZ7fG7HqdDfO0YOlfbI7yAk=",
    signature:
      "1d44ae8348077c1aac7c7334fdf2d438b70597ea0a4440d5eb8d3bf0f143e9cbe7cbac8e866cbfa47d735bf8696f84e1c7002eb38fb665d9ce7bf5ec8e72332c",
  },
];

export function gostEngineKnownAnswers(): ReadonlyArray<{
  keyAlgorithm: KeyAlgorithm;
  spki: Uint8Array;
  message: Uint8Array;
  signature: Uint8Array;
}> {
  return KAT_VECTORS.map((v) => ({
    keyAlgorithm: v.keyAlgorithm,
    spki: new Uint8Array(Buffer.from(v.spki, "base64")),
    message: new Uint8Array(KAT_MESSAGE),
    signature: new Uint8Array(Buffer.from(v.signature, "hex")),
  }));
}

/** Each vector must verify, and must stop verifying with one bit flipped. Returns what failed, if anything. */
export function gostEngineSelfTest(): string | undefined {
  for (const vector of gostEngineKnownAnswers()) {
    const digest = DIGESTS[vector.keyAlgorithm]?.digest as string;
    const tampered = new Uint8Array(vector.signature);
    tampered[3] = (tampered[3] ?? 0) ^ 0x01;
    try {
      const key = createPublicKey({ key: Buffer.from(vector.spki), format: "der", type: "spki" });
      if (!verify(digest, vector.message, key, vector.signature))
        return `${vector.keyAlgorithm}: rejects a valid signature`;
      if (verify(digest, vector.message, key, tampered))
        return `${vector.keyAlgorithm}: accepts a tampered signature`;
    } catch (error) {
      return `${vector.keyAlgorithm}: ${(error as Error).message}`;
    }
  }
  return undefined;
}

/**
 * Routes a PKI instance's GOST raw signatures through the engine, keeping the verifier it had (the JS one)
 * for the keys the engine is not given. Use after the engine has passed its self-test in this process.
 */
export function gostEngineForRawSignatures(): PkiAcceleration {
  return (algorithms) => {
    const engineKeys = new BoundedCache<string, KeyObject | "js">(KEY_CACHE_LIMIT);
    for (const keyAlgorithm of Object.keys(DIGESTS) as KeyAlgorithm[]) {
      const fallback = algorithms.rawVerifierFor(keyAlgorithm);
      algorithms.setRawVerifier([keyAlgorithm], engineFirst(keyAlgorithm, fallback, engineKeys));
    }
  };
}

const KEY_CACHE_LIMIT = 1000;

/** `engineKeys`, per certificate fingerprint: the engine's key, or "js" when the key must stay on the JS verifier. */
function engineFirst(
  keyAlgorithm: KeyAlgorithm,
  fallback: RawSignatureVerifier | undefined,
  engineKeys: BoundedCache<string, KeyObject | "js">,
): RawSignatureVerifier {
  const { digest, name, bytes } = DIGESTS[keyAlgorithm] as { digest: string; name: string; bytes: number };
  return (cert, data, signature) => {
    // Before anything else, as the JS verifier does: gost-engine verifies the first `bytes` bytes and
    // accepts a valid signature with junk appended (or, read reversed, prepended).
    if (signature.byteLength !== bytes) {
      return {
        valid: false,
        algorithm: name,
        reason: `${name} signatures are ${bytes} bytes, got ${signature.byteLength}`,
      };
    }
    const key = engineKeyOf(cert, engineKeys);
    if (key === "js") {
      return fallback
        ? fallback(cert, data, signature)
        : { valid: false, algorithm: name, reason: "cofactor-4 curves need the JS GOST verifier" };
    }
    return verifyBothLayouts(key, digest, name, data, signature);
  };
}

/** Raw GOST signatures come as s||r big-endian (standard) or its full byte reversal (CryptoAPI). */
function verifyBothLayouts(
  key: KeyObject,
  digest: string,
  algorithm: string,
  data: Uint8Array,
  signature: Uint8Array,
): VerifyResult {
  if (verify(digest, data, key, signature)) return { valid: true, algorithm, layout: "standard" };
  if (verify(digest, data, key, signature.slice().reverse()))
    return { valid: true, algorithm, layout: "cryptoapi" };
  return { valid: false, algorithm, layout: "standard|cryptoapi", reason: "signature does not verify" };
}

/**
 * Validates the key with our own code first (on the curve; a curve with cofactor 1 needs nothing more), so
 * that the engine never sees a key docs/DECISIONS.md §5 says to refuse. Throws on an invalid key: the registry turns
 * that into "does not verify".
 */
function engineKeyOf(
  cert: ParsedCertificate,
  engineKeys: BoundedCache<string, KeyObject | "js">,
): KeyObject | "js" {
  const cached = engineKeys.get(cert.fingerprint);
  if (cached) return cached;
  const spki = new Uint8Array(cert.certificate.subjectPublicKeyInfo.toSchema().toBER(false));
  const curve = curveByOid(parseGostSubjectPublicKeyInfo(spki).paramSetOid);
  let key: KeyObject | "js" = "js";
  if (curve.cofactor === 1n) {
    gostPublicKeyFromSpki(spki);
    key = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
  }
  engineKeys.set(cert.fingerprint, key);
  return key;
}
