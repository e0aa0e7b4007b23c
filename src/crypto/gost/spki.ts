/**
 * GOST parts of a SubjectPublicKeyInfo (RFC 4491, RFC 9215): the key algorithm, its parameters
 * `SEQUENCE { publicKeyParamSet, digestParamSet OPTIONAL, encryptionParamSet OPTIONAL }` and the raw key,
 * a BIT STRING wrapping an OCTET STRING with X_LE || Y_LE.
 */
import * as asn1js from "asn1js";
import { curveByOid } from "./curves.ts";
import { type GostPublicKey, parseGostPublicKey } from "./gost3410.ts";

export const GOST_KEY_ALGORITHM_OIDS = {
  gost2001: "1.2.643.2.2.19",
  gost2012_256: "1.2.643.7.1.1.1.1",
  gost2012_512: "1.2.643.7.1.1.1.2",
} as const;

export interface GostKeyParameters {
  readonly paramSetOid: string;
  /** Often absent in GOST 2012 keys (the digest then follows from the key size). */
  readonly digestOid?: string;
  /** GOST 28147-89 parameter set, only in some GOST 2001 keys. */
  readonly encryptionOid?: string;
}

export interface GostSubjectPublicKeyInfo extends GostKeyParameters {
  readonly algorithmOid: string;
  /** Content of the OCTET STRING inside the BIT STRING: X_LE || Y_LE. */
  readonly rawPublicKey: Uint8Array;
}

/** Reads the parameters of a GOST key algorithm (the DER of the AlgorithmIdentifier's parameters). */
export function parseGostKeyParameters(der: Uint8Array): GostKeyParameters {
  return keyParametersOf(decodeDer(der, "GOST key parameters"));
}

/** Splits a DER SubjectPublicKeyInfo with a GOST key into algorithm, parameters and raw key bytes. */
export function parseGostSubjectPublicKeyInfo(spkiDer: Uint8Array): GostSubjectPublicKeyInfo {
  const spki = decodeDer(spkiDer, "SubjectPublicKeyInfo");
  const [algorithm, subjectPublicKey] = sequenceItems(spki, "SubjectPublicKeyInfo", 2, 2);
  const [algorithmOid, parameters] = sequenceItems(algorithm, "AlgorithmIdentifier", 1, 2);
  const algorithmOidValue = oidOf(algorithmOid, "algorithm");
  if (!isGostKeyAlgorithm(algorithmOidValue)) {
    throw new Error(`SubjectPublicKeyInfo algorithm ${algorithmOidValue} is not a GOST R 34.10 key`);
  }
  if (!parameters) throw new Error("GOST SubjectPublicKeyInfo has no key parameters");
  if (!(subjectPublicKey instanceof asn1js.BitString) || subjectPublicKey.valueBlock.unusedBits !== 0) {
    throw new Error("GOST subjectPublicKey must be a BIT STRING without unused bits");
  }
  const keyOctets = decodeDer(subjectPublicKey.valueBlock.valueHexView, "GOST public key");
  if (!(keyOctets instanceof asn1js.OctetString) || keyOctets.valueBlock.isConstructed) {
    throw new Error("GOST subjectPublicKey must wrap a primitive OCTET STRING");
  }
  return {
    algorithmOid: algorithmOidValue,
    ...keyParametersOf(parameters),
    rawPublicKey: new Uint8Array(keyOctets.valueBlock.valueHexView),
  };
}

/**
 * The validated public key of a GOST SubjectPublicKeyInfo, on the curve its parameters name. The key
 * algorithm must match the curve size (a 512-bit curve under a 256-bit algorithm is refused).
 */
export function gostPublicKeyFromSpki(
  spkiDer: Uint8Array,
  options: { allowTest?: boolean } = {},
): GostPublicKey & { readonly spki: GostSubjectPublicKeyInfo } {
  const spki = parseGostSubjectPublicKeyInfo(spkiDer);
  const curve = curveByOid(spki.paramSetOid, options);
  const expectedWidth = spki.algorithmOid === GOST_KEY_ALGORITHM_OIDS.gost2012_512 ? 64 : 32;
  if (curve.byteLength !== expectedWidth) {
    throw new Error(`GOST key algorithm ${spki.algorithmOid} does not match parameter set ${curve.name}`);
  }
  return { ...parseGostPublicKey(spki.rawPublicKey, curve), spki };
}

export function isGostKeyAlgorithm(oid: string): boolean {
  return Object.values<string>(GOST_KEY_ALGORITHM_OIDS).includes(oid);
}

function keyParametersOf(node: asn1js.AsnType): GostKeyParameters {
  const items = sequenceItems(node, "GOST key parameters", 1, 3);
  const [paramSetOid, digestOid, encryptionOid] = items.map((item, index) =>
    oidOf(item, ["publicKeyParamSet", "digestParamSet", "encryptionParamSet"][index] ?? "parameter"),
  );
  if (!paramSetOid) throw new Error("GOST key parameters have no publicKeyParamSet");
  return {
    paramSetOid,
    ...(digestOid === undefined ? {} : { digestOid }),
    ...(encryptionOid === undefined ? {} : { encryptionOid }),
  };
}

function decodeDer(der: Uint8Array, what: string): asn1js.AsnType {
  const { offset, result } = asn1js.fromBER(der);
  if (offset === -1 || result.error)
    throw new Error(`${what} is not valid BER: ${result.error || "truncated"}`);
  if (offset !== der.length) throw new Error(`${what} has ${der.length - offset} trailing bytes`);
  return result;
}

function sequenceItems(node: asn1js.AsnType | undefined, what: string, min: number, max: number) {
  if (!(node instanceof asn1js.Sequence)) throw new Error(`${what} must be a SEQUENCE`);
  const items = node.valueBlock.value;
  if (items.length < min || items.length > max) {
    throw new Error(`${what} must have ${min}–${max} elements, got ${items.length}`);
  }
  return items;
}

function oidOf(node: asn1js.AsnType | undefined, what: string): string {
  if (!(node instanceof asn1js.ObjectIdentifier))
    throw new Error(`GOST ${what} must be an OBJECT IDENTIFIER`);
  return node.valueBlock.toString();
}
