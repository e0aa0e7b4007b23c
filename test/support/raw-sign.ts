import { createPrivateKey, sign } from "node:crypto";
import { readGostPrivateKey } from "../../src/pki/gost/keys.ts";
import { signGostData } from "../../src/pki/gost/signing.ts";
import type { RawSignatureLayout } from "../../src/pki/private-key.ts";

/**
 * Makes a raw ("simple") signature over data the way a client does: ECDSA with the curve's hash as
 * DER or r||s, RSA PKCS#1 v1.5 with SHA-256, Ed25519, GOST R 34.10-2012 with Streebog (hedged nonces:
 * see gost/signing.ts), synchronously and in one call (the PEM is parsed each time). For tests and benchmarks;
 * the SDK and the CLI read a key once with importPrivateKey (src/pki/private-key.ts).
 */
export function signRawForTest(keyPem: string, data: Uint8Array, layout?: RawSignatureLayout): Uint8Array {
  const gostKey = readGostPrivateKey(keyPem);
  if (gostKey) return signGostData(gostKey, data, layout === "standard" ? "standard" : "cryptoapi");
  const key = createPrivateKey(keyPem);
  switch (key.asymmetricKeyType) {
    case "ec": {
      const hash = ecdsaHashForCurve(key.asymmetricKeyDetails?.namedCurve);
      const dsaEncoding = layout === "raw" ? "ieee-p1363" : "der";
      return new Uint8Array(sign(hash, data, { key, dsaEncoding }));
    }
    case "rsa":
      return new Uint8Array(sign("sha256", data, key));
    case "ed25519":
      return new Uint8Array(sign(null, data, key));
    default:
      throw new Error(`raw signing is not supported for ${key.asymmetricKeyType} keys`);
  }
}

function ecdsaHashForCurve(curve: string | undefined): string {
  switch (curve) {
    case "prime256v1":
    case "P-256":
      return "sha256";
    case "secp384r1":
    case "P-384":
      return "sha384";
    case "secp521r1":
    case "P-521":
      return "sha512";
    default:
      throw new Error(`unsupported curve: ${curve}`);
  }
}
