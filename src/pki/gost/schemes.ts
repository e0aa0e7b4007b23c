/**
 * The GOST signature schemes certchat verifies: which key algorithm each signature OID needs and which hash
 * it signs. TK26 CMS often names the *key* OID as the signature algorithm, so key OIDs map to the same
 * schemes. GOST R 34.10-94 is listed only to be refused.
 */
import { createGost341194 } from "../../crypto/gost/gost341194.ts";
import { GOST_KEY_ALGORITHM_OIDS } from "../../crypto/gost/spki.ts";
import { streebog256, streebog512 } from "../../crypto/gost/streebog.ts";
import type { KeyAlgorithm } from "../certificate.ts";

export const GostDigestOid = {
  streebog256: "1.2.643.7.1.1.2.2",
  streebog512: "1.2.643.7.1.1.2.3",
  gostr341194: "1.2.643.2.2.9",
} as const;

export const GostSignatureOid = {
  gost2012_256: "1.2.643.7.1.1.3.2",
  gost2012_512: "1.2.643.7.1.1.3.3",
  gost2001: "1.2.643.2.2.3",
} as const;

/** GOST R 34.10-94 (signature with GOST R 34.11-94, and the key): never verified. */
export const UNSUPPORTED_GOST_OIDS: readonly string[] = ["1.2.643.2.2.4", "1.2.643.2.2.20"];

/** GOST R 34.11-94 parameter sets: CryptoPro is the only one real keys use; the test set is for vectors. */
const GOST94_CRYPTOPRO_PARAMS = "1.2.643.2.2.30.1";
const GOST94_TEST_PARAMS = "1.2.643.2.2.30.0";

export interface GostScheme {
  readonly keyAlgorithm: Extract<KeyAlgorithm, "gost2012-256" | "gost2012-512" | "gost2001">;
  readonly keyOid: string;
  readonly signatureOid: string;
  readonly digestOid: string;
  /** Reported as VerifyResult.algorithm. */
  readonly name: string;
  /** Hash of the signed data; `digestParamSet` is the key's (only GOST R 34.11-94 has parameter sets). */
  hash(data: Uint8Array, digestParamSet?: string): Uint8Array;
}

const SCHEMES: readonly GostScheme[] = [
  {
    keyAlgorithm: "gost2012-256",
    keyOid: GOST_KEY_ALGORITHM_OIDS.gost2012_256,
    signatureOid: GostSignatureOid.gost2012_256,
    digestOid: GostDigestOid.streebog256,
    name: "gost2012-256-streebog256",
    hash: streebog256,
  },
  {
    keyAlgorithm: "gost2012-512",
    keyOid: GOST_KEY_ALGORITHM_OIDS.gost2012_512,
    signatureOid: GostSignatureOid.gost2012_512,
    digestOid: GostDigestOid.streebog512,
    name: "gost2012-512-streebog512",
    hash: streebog512,
  },
  {
    keyAlgorithm: "gost2001",
    keyOid: GOST_KEY_ALGORITHM_OIDS.gost2001,
    signatureOid: GostSignatureOid.gost2001,
    digestOid: GostDigestOid.gostr341194,
    name: "gost2001-gostr341194",
    hash: (data, digestParamSet) => gost341194CryptoPro(data, digestParamSet),
  },
];

/** The scheme of a signature OID or of a key OID used as one; undefined for anything else. */
export function gostSchemeForSignatureOid(oid: string): GostScheme | undefined {
  return SCHEMES.find((scheme) => scheme.signatureOid === oid || scheme.keyOid === oid);
}

export function gostSchemeForKeyAlgorithm(keyAlgorithm: KeyAlgorithm): GostScheme | undefined {
  return SCHEMES.find((scheme) => scheme.keyAlgorithm === keyAlgorithm);
}

export function gostSchemeForKeyOid(oid: string): GostScheme | undefined {
  return SCHEMES.find((scheme) => scheme.keyOid === oid);
}

/** Every OID routed to the GOST certificate/CRL/CMS verifier (the refused GOST R 34.10-94 ones included). */
export function gostSignatureAlgorithmOids(): string[] {
  return [...SCHEMES.flatMap((scheme) => [scheme.signatureOid, scheme.keyOid]), ...UNSUPPORTED_GOST_OIDS];
}

/**
 * GOST R 34.11-94 as GOST R 34.10-2001 signatures use it: CryptoPro parameters unless the key names the
 * test set. Test parameters are a caller decision (refused in production) made before this is reached.
 */
function gost341194CryptoPro(data: Uint8Array, digestParamSet = GOST94_CRYPTOPRO_PARAMS): Uint8Array {
  if (digestParamSet !== GOST94_CRYPTOPRO_PARAMS && digestParamSet !== GOST94_TEST_PARAMS) {
    throw new Error(`unsupported GOST R 34.11-94 parameter set ${digestParamSet}`);
  }
  return createGost341194({ paramSet: digestParamSet }).update(data).digest();
}

export function isGost341194TestParamSet(oid: string | undefined): boolean {
  return oid === GOST94_TEST_PARAMS;
}
