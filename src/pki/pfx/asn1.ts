/** The few asn1js readings the PFX reader repeats: children of a constructed value, OIDs, octets, integers. */
import * as asn1js from "asn1js";

export function parseDer(bytes: Uint8Array, what: string): asn1js.AsnType {
  const { offset, result } = asn1js.fromBER(bytes);
  if (offset === -1) throw new Error(`malformed PFX: ${what} is not DER`);
  return result;
}

export function children(value: asn1js.AsnType | undefined, what: string): asn1js.AsnType[] {
  if (
    !(value instanceof asn1js.Constructed) &&
    !(value instanceof asn1js.Sequence) &&
    !(value instanceof asn1js.Set)
  )
    throw new Error(`malformed PFX: ${what}`);
  return value.valueBlock.value;
}

export function oidOf(value: asn1js.AsnType | undefined, what: string): string {
  if (!(value instanceof asn1js.ObjectIdentifier)) throw new Error(`malformed PFX: ${what}`);
  return value.valueBlock.toString();
}

/** An OCTET STRING's content, also when it is sent constructed (BER, as some exporters write). */
export function octetsOf(value: asn1js.AsnType | undefined, what: string): Uint8Array {
  if (value instanceof asn1js.OctetString) {
    if (!value.idBlock.isConstructed) return new Uint8Array(value.valueBlock.valueHexView);
    return concat(value.valueBlock.value.map((part) => octetsOf(part, what)));
  }
  throw new Error(`malformed PFX: ${what}`);
}

/** An INTEGER as a number; read from its bytes, since asn1js's `valueDec` gives 0 past 32 bits. Negative → -1. */
export function integerOf(value: asn1js.AsnType | undefined, what: string): number {
  if (!(value instanceof asn1js.Integer)) throw new Error(`malformed PFX: ${what}`);
  const bytes = value.valueBlock.valueHexView;
  if ((bytes[0] ?? 0) & 0x80) return -1;
  return Number(bytes.reduce((sum, byte) => (sum << 8n) | BigInt(byte), 0n));
}

/** The content of a context-specific [n] EXPLICIT wrapper. */
export function explicitContent(value: asn1js.AsnType | undefined, what: string): asn1js.AsnType {
  const [inner] = children(value, what);
  if (!inner) throw new Error(`malformed PFX: ${what}`);
  return inner;
}

/** The bytes of an implicitly tagged [0] OCTET STRING (encryptedContent), primitive or constructed. */
export function implicitOctets(value: asn1js.AsnType | undefined, what: string): Uint8Array {
  if (value?.idBlock.tagClass !== 3) throw new Error(`malformed PFX: ${what}`);
  if (value instanceof asn1js.Constructed) {
    return concat(value.valueBlock.value.map((part) => octetsOf(part, what)));
  }
  if (value instanceof asn1js.Primitive) return new Uint8Array(value.valueBlock.valueHexView);
  throw new Error(`malformed PFX: ${what}`);
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
