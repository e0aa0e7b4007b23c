/**
 * GOST R 34.10-2012 key pairs for the test CA, the CLI and the SDK: generation, SubjectPublicKeyInfo, and
 * PKCS#8 in the form OpenSSL's gost engine writes and reads —
 *   PrivateKeyInfo { version 0, AlgorithmIdentifier { key OID, { paramSet, digest OID } },
 *                    privateKey OCTET STRING = the scalar d, little-endian, 32 or 64 bytes }
 * (`openssl genpkey -engine gost -algorithm gost2012_256 -pkeyopt paramset:A` gives exactly this).
 * Reading also accepts the other forms seen in the wild: a nested OCTET STRING (LE), an INTEGER (BE) or a
 * masked key (k and its masks, LE).
 */

import { bytesToNumberBE, bytesToNumberLE, numberToBytesLE } from "@noble/curves/utils.js";
import * as asn1js from "asn1js";
import { curveByOid, type GostCurve } from "../../crypto/gost/curves.ts";
import {
  encodeGostPublicKey,
  type GostPublicKey,
  generateGostKeyPair,
  gostPrivateKeyFromBytes,
  gostPublicKeyFromPrivate,
} from "../../crypto/gost/gost3410.ts";
import { parseGostKeyParameters } from "../../crypto/gost/spki.ts";
import { decodePemBlocks, encodePem } from "../pem.ts";
import { type GostScheme, gostSchemeForKeyAlgorithm, gostSchemeForKeyOid } from "./schemes.ts";

export type GostIssueAlgorithm = "gost2012-256" | "gost2012-512";

/** CryptoPro-A (the curve of most deployed 256-bit keys) and tc26-512-A. */
const DEFAULT_PARAM_SETS: Record<GostIssueAlgorithm, string> = {
  "gost2012-256": "1.2.643.2.2.35.1",
  "gost2012-512": "1.2.643.7.1.2.1.2.1",
};

export interface GostPrivateKey {
  readonly scheme: GostScheme;
  readonly curve: GostCurve;
  readonly paramSetOid: string;
  readonly d: bigint;
  readonly publicKey: GostPublicKey;
}

export function generateGostPrivateKey(algorithm: GostIssueAlgorithm): GostPrivateKey {
  const scheme = requireScheme(gostSchemeForKeyAlgorithm(algorithm), algorithm);
  const paramSetOid = DEFAULT_PARAM_SETS[algorithm];
  const curve = curveByOid(paramSetOid);
  const { privateKey, publicKey } = generateGostKeyPair(curve);
  return { scheme, curve, paramSetOid, d: privateKey, publicKey };
}

/** SubjectPublicKeyInfo: BIT STRING wrapping OCTET STRING(X_LE || Y_LE), parameters as OpenSSL writes them. */
export function gostSpkiDer(key: GostPrivateKey): Uint8Array {
  const rawKey = new asn1js.OctetString({ valueHex: encodeGostPublicKey(key.publicKey) });
  return new Uint8Array(
    new asn1js.Sequence({
      value: [algorithmIdentifier(key), new asn1js.BitString({ valueHex: rawKey.toBER(false) })],
    }).toBER(false),
  );
}

export function gostPrivateKeyPem(key: GostPrivateKey): string {
  const scalar = numberToBytesLE(key.d, key.curve.byteLength);
  const pkcs8 = new asn1js.Sequence({
    value: [
      new asn1js.Integer({ value: 0 }),
      algorithmIdentifier(key),
      new asn1js.OctetString({ valueHex: scalar }),
    ],
  });
  return encodePem("PRIVATE KEY", new Uint8Array(pkcs8.toBER(false)));
}

/** The GOST R 34.10-2012/2001 key of a PKCS#8 PEM, or undefined when the PEM holds another kind of key. */
export function readGostPrivateKey(pem: string): GostPrivateKey | undefined {
  const block = decodePemBlocks(pem).find((b) => b.label === "PRIVATE KEY");
  return block ? gostPrivateKeyFromPkcs8(block.der) : undefined;
}

/** The GOST R 34.10-2012/2001 key of a PKCS#8 DER, or undefined when it holds another kind of key. */
export function gostPrivateKeyFromPkcs8(der: Uint8Array): GostPrivateKey | undefined {
  const { result } = asn1js.fromBER(der);
  const [, algorithm, privateKey] = result instanceof asn1js.Sequence ? result.valueBlock.value : [];
  const [algorithmOid, parameters] = algorithm instanceof asn1js.Sequence ? algorithm.valueBlock.value : [];
  if (!(algorithmOid instanceof asn1js.ObjectIdentifier)) return undefined;
  const scheme = gostSchemeForKeyOid(algorithmOid.valueBlock.toString());
  if (!scheme) return undefined;
  if (!parameters || !(privateKey instanceof asn1js.OctetString)) {
    throw new Error("malformed GOST PKCS#8 private key");
  }
  const { paramSetOid } = parseGostKeyParameters(new Uint8Array(parameters.toBER(false)));
  const curve = curveByOid(paramSetOid);
  const d = scalarOf(privateKey.valueBlock.valueHexView, curve);
  return { scheme, curve, paramSetOid, d, publicKey: gostPublicKeyFromPrivate(curve, d) };
}

/**
 * The scalar as stored: bare LE bytes (OpenSSL), a masked key (below), a nested OCTET STRING (LE) or an
 * INTEGER (BE).
 */
function scalarOf(content: Uint8Array, curve: GostCurve): bigint {
  if (content.length === curve.byteLength) return gostPrivateKeyFromBytes(content, curve);
  if (content.length % curve.byteLength === 0) return unmaskedScalar(content, curve);
  const { result } = asn1js.fromBER(content);
  if (result instanceof asn1js.OctetString)
    return gostPrivateKeyFromBytes(result.valueBlock.valueHexView, curve);
  if (result instanceof asn1js.Integer) {
    const value = bytesToNumberBE(result.valueBlock.valueHexView) % curve.q;
    if (value === 0n) throw new Error("GOST private key is zero modulo q");
    return value;
  }
  throw new Error("GOST private key is neither raw bytes, an OCTET STRING nor an INTEGER");
}

/**
 * A masked key, as CryptoPro and the R 50.1.112-2016 PFX example store it: LE(k) || LE(mask_1) || …, each the
 * curve's length, and d = k · mask_1 · … mod q (what gost-engine's unmasking does).
 */
function unmaskedScalar(content: Uint8Array, curve: GostCurve): bigint {
  let d = 1n;
  for (let offset = 0; offset < content.length; offset += curve.byteLength) {
    d = (d * bytesToNumberLE(content.subarray(offset, offset + curve.byteLength))) % curve.q;
  }
  if (d === 0n) throw new Error("GOST private key is zero modulo q");
  return d;
}

function algorithmIdentifier(key: GostPrivateKey): asn1js.Sequence {
  return new asn1js.Sequence({
    value: [
      new asn1js.ObjectIdentifier({ value: key.scheme.keyOid }),
      new asn1js.Sequence({
        value: [
          new asn1js.ObjectIdentifier({ value: key.paramSetOid }),
          new asn1js.ObjectIdentifier({ value: key.scheme.digestOid }),
        ],
      }),
    ],
  });
}

function requireScheme(scheme: GostScheme | undefined, algorithm: string): GostScheme {
  if (!scheme) throw new Error(`no GOST scheme for ${algorithm}`);
  return scheme;
}
