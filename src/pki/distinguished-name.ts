import { bytesToHex } from "@noble/hashes/utils.js";
import * as asn1js from "asn1js";
import type * as pkijs from "pkijs";
import { AttributeOid } from "./oids.ts";

/**
 * Readable names for attribute types in formatted DNs. RFC 4514 names where it has one, the usual
 * short names (OpenSSL / CryptoPro) for the rest. Formatted DNs are stored as profile keys, so this
 * table may only grow: renaming an entry would split existing profiles.
 */
const ATTRIBUTE_NAMES: Readonly<Record<string, string>> = {
  [AttributeOid.commonName]: "CN",
  [AttributeOid.surname]: "SN",
  [AttributeOid.serialNumber]: "serialNumber",
  [AttributeOid.country]: "C",
  [AttributeOid.locality]: "L",
  [AttributeOid.stateOrProvince]: "ST",
  [AttributeOid.street]: "STREET",
  [AttributeOid.organization]: "O",
  [AttributeOid.organizationalUnit]: "OU",
  [AttributeOid.title]: "T",
  [AttributeOid.givenName]: "G",
  [AttributeOid.domainComponent]: "DC",
  [AttributeOid.userId]: "UID",
  [AttributeOid.email]: "E",
  [AttributeOid.inn]: "INN",
  [AttributeOid.ogrn]: "OGRN",
  [AttributeOid.snils]: "SNILS",
  [AttributeOid.innle]: "INNLE",
  [AttributeOid.ogrnip]: "OGRNIP",
};

/**
 * The text of an attribute value, whatever string type carries it (UTF8String, PrintableString,
 * NumericString, IA5String, BMPString, UniversalString, TeletexString…); undefined for non-strings.
 */
export function attributeValueText(value: unknown): string | undefined {
  if (
    value instanceof asn1js.Utf8String ||
    value instanceof asn1js.BmpString ||
    value instanceof asn1js.UniversalString ||
    value instanceof asn1js.PrintableString ||
    value instanceof asn1js.NumericString ||
    value instanceof asn1js.IA5String ||
    value instanceof asn1js.TeletexString ||
    value instanceof asn1js.VisibleString ||
    value instanceof asn1js.GeneralString ||
    value instanceof asn1js.GraphicString ||
    value instanceof asn1js.VideotexString ||
    value instanceof asn1js.CharacterString
  ) {
    return value.valueBlock.value;
  }
  return undefined;
}

/** RFC 4514 §2.4 escaping of a string value. */
function escapeValue(text: string): string {
  let escaped = text.replace(/[\\",+;<>=]/g, (c) => `\\${c}`).replace(/\0/g, "\\00");
  if (escaped.startsWith("#") || escaped.startsWith(" ")) escaped = `\\${escaped}`;
  if (escaped.endsWith(" ") && escaped.length > 1) escaped = `${escaped.slice(0, -1)}\\ `;
  return escaped;
}

function formatAttribute(typeAndValue: pkijs.AttributeTypeAndValue): string {
  const name = ATTRIBUTE_NAMES[typeAndValue.type] ?? typeAndValue.type;
  const text = attributeValueText(typeAndValue.value);
  if (text !== undefined) return `${name}=${escapeValue(text)}`;
  // Non-string values: RFC 4514 hex form of the BER encoding.
  const ber = new Uint8Array(typeAndValue.value.toBER(false));
  return `${name}=#${bytesToHex(ber)}`;
}

/**
 * RFC 4514 string of a distinguished name: RDNs in reverse order, comma separated, multi-valued RDNs
 * joined with "+". pkijs flattens RDNs into `typesAndValues`, so the RDN grouping is read from the
 * original encoding.
 */
export function formatDistinguishedName(name: pkijs.RelativeDistinguishedNames): string {
  const rdnSet = name.valueBeforeDecode.byteLength > 0 ? readRdnGroups(name) : undefined;
  const groups = rdnSet ?? name.typesAndValues.map((tv) => [tv]);
  return groups
    .map((group) => group.map(formatAttribute).join("+"))
    .reverse()
    .join(",");
}

function readRdnGroups(name: pkijs.RelativeDistinguishedNames): pkijs.AttributeTypeAndValue[][] | undefined {
  const asn1 = asn1js.fromBER(name.valueBeforeDecode);
  if (asn1.offset === -1 || !(asn1.result instanceof asn1js.Sequence)) return undefined;
  const sizes: number[] = [];
  for (const rdn of asn1.result.valueBlock.value) {
    if (!(rdn instanceof asn1js.Set)) return undefined;
    sizes.push(rdn.valueBlock.value.length);
  }
  const flat = name.typesAndValues;
  if (sizes.reduce((a, b) => a + b, 0) !== flat.length) return undefined;
  const groups: pkijs.AttributeTypeAndValue[][] = [];
  let index = 0;
  for (const size of sizes) {
    groups.push(flat.slice(index, index + size));
    index += size;
  }
  return groups;
}
