/**
 * The key bag of a CryptoPro CSP export, under the proprietary PBE 1.2.840.113549.1.12.1.80
 * (params SEQUENCE { salt OCTET STRING (16), iterations INTEGER }), opened the way the steps in docs/CRYPTO.md
 * describe: a GOST R 34.11-94 password hash chain, GOST 28147-89 CFB over a key blob, then the key wrapped
 * under KDF_GOSTR3411_2012_256 and GOST 28147-89 ECB with a 4-byte MAC. Returns the key as PKCS#8 (LE scalar).
 */
import * as asn1js from "asn1js";
import { findCurveByOid } from "../../crypto/gost/curves.ts";
import { gost28147DecryptCfb, gost28147DecryptEcb, gost28147Mac } from "../../crypto/gost/gost28147.ts";
import { gost341194 } from "../../crypto/gost/gost341194.ts";
import { kdfGostr3411_2012_256 } from "../../crypto/gost/kdf-gostr3411-2012.ts";
import { children, concat, integerOf, octetsOf, parseDer } from "./asn1.ts";
import { requireIterations } from "./kdf.ts";

export const CRYPTOPRO_PBE = "1.2.840.113549.1.12.1.80";

const CRYPTOPRO_A_SBOX = "1.2.643.2.2.31.1";
const KEK_LABEL = Uint8Array.of(0x26, 0xbd, 0xb8, 0x78);
/** value[4..5] of the blob: 46 AA for a 256-bit key, 42 AA for a 512-bit one. */
const BLOB_MAGIC: Record<string, number> = { "46aa": 32, "42aa": 64 };
/** The blob names the key-agreement OID of the key; PKCS#8 wants the key OID. */
const KEY_OIDS: Record<string, string> = {
  "1.2.643.7.1.1.6.1": "1.2.643.7.1.1.1.1",
  "1.2.643.7.1.1.6.2": "1.2.643.7.1.1.1.2",
  "1.2.643.7.1.1.1.1": "1.2.643.7.1.1.1.1",
  "1.2.643.7.1.1.1.2": "1.2.643.7.1.1.1.2",
};
const DIGEST_OIDS = new Set(["1.2.643.7.1.1.2.2", "1.2.643.7.1.1.2.3"]);

export function decryptCryptoProKeyBag(
  parameters: asn1js.AsnType | undefined,
  ciphertext: Uint8Array,
  password: string,
): Uint8Array {
  const [saltValue, iterationsValue] = children(parameters, "CryptoPro PBE parameters");
  const salt = octetsOf(saltValue, "CryptoPro PBE salt");
  const iterations = requireIterations(integerOf(iterationsValue, "CryptoPro PBE iterations"));
  if (salt.length < 8) throw new Error("malformed PFX: CryptoPro PBE salt is too short");
  // K_0 = UTF-16LE(password); K_i = H94(K_{i-1} || salt || uint16_be(i)).
  let key = utf16le(password);
  for (let i = 1; i <= iterations; i++)
    key = gost341194(concat([key, salt, Uint8Array.of(i >>> 8, i & 0xff)]));
  const blob = gost28147DecryptCfb(key, salt.subarray(0, 8), ciphertext, { sbox: CRYPTOPRO_A_SBOX });

  const [, , valueField] = children(parseDer(blob, "CryptoPro key blob"), "CryptoPro key blob");
  const value = octetsOf(valueField, "CryptoPro key blob value");
  const scalarLength = BLOB_MAGIC[hex(value.subarray(4, 6))];
  if (!scalarLength) throw new Error("wrong password: the CryptoPro key blob does not decrypt");
  const [wrapped] = children(
    parseDer(value.subarray(16), "CryptoPro key transport"),
    "CryptoPro key transport",
  );
  const [ukmValue, encryptedKey, keyInfo] = children(wrapped, "CryptoPro wrapped key");
  const ukm = octetsOf(ukmValue, "CryptoPro UKM");
  const [cekValue, macValue] = children(encryptedKey, "CryptoPro encrypted key");
  const kek = kdfGostr3411_2012_256(key, KEK_LABEL, ukm);
  const scalar = gost28147DecryptEcb(kek, octetsOf(cekValue, "CryptoPro encrypted key"), {
    sbox: CRYPTOPRO_A_SBOX,
  });
  const mac = gost28147Mac(kek, scalar, { sbox: CRYPTOPRO_A_SBOX, iv: ukm });
  if (hex(mac) !== hex(octetsOf(macValue, "CryptoPro key MAC")) || scalar.length !== scalarLength) {
    throw new Error("wrong password: the CryptoPro key MAC does not verify");
  }
  return pkcs8(scalar, oidsIn(keyInfo));
}

function pkcs8(scalar: Uint8Array, oids: readonly string[]): Uint8Array {
  const keyOid = oids.map((oid) => KEY_OIDS[oid]).find((oid) => oid !== undefined);
  const curveOid = oids.find((oid) => findCurveByOid(oid) !== undefined);
  const digestOid = oids.find((oid) => DIGEST_OIDS.has(oid));
  if (!keyOid || !curveOid) throw new Error(`unsupported PFX algorithm: CryptoPro key of ${oids.join(", ")}`);
  const parameters = [curveOid, ...(digestOid ? [digestOid] : [])].map(
    (oid) => new asn1js.ObjectIdentifier({ value: oid }),
  );
  const info = new asn1js.Sequence({
    value: [
      new asn1js.Integer({ value: 0 }),
      new asn1js.Sequence({
        value: [new asn1js.ObjectIdentifier({ value: keyOid }), new asn1js.Sequence({ value: parameters })],
      }),
      new asn1js.OctetString({ valueHex: scalar }),
    ],
  });
  return new Uint8Array(info.toBER(false));
}

/** Every OID inside a value, in order (the key's algorithm, curve and digest sit a few levels down). */
function oidsIn(value: asn1js.AsnType | undefined): string[] {
  if (value instanceof asn1js.ObjectIdentifier) return [value.valueBlock.toString()];
  if (
    value instanceof asn1js.Constructed ||
    value instanceof asn1js.Sequence ||
    value instanceof asn1js.Set
  ) {
    return value.valueBlock.value.flatMap(oidsIn);
  }
  return [];
}

function utf16le(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    out[2 * i] = text.charCodeAt(i) & 0xff;
    out[2 * i + 1] = text.charCodeAt(i) >>> 8;
  }
  return out;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
