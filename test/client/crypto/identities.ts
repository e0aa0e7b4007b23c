/**
 * Test fixtures for the client crypto: key pairs of every supported kind and minimal X.509 certificates
 * around their public keys. The certificates are unsigned shells (the wrapping code reads only the SPKI).
 */
import * as asn1js from "asn1js";
import type { GostOwnKey, Pkcs8OwnKey } from "../../../src/client/crypto/index.ts";
import { curveByOid, type GostCurve } from "../../../src/crypto/gost/curves.ts";
import { encodeGostPublicKey, generateGostKeyPair } from "../../../src/crypto/gost/gost3410.ts";
import { GOST_KEY_ALGORITHM_OIDS } from "../../../src/crypto/gost/spki.ts";

export interface GostIdentity {
  readonly ownKey: GostOwnKey;
  readonly certificate: Uint8Array;
}

export interface StandardIdentity {
  readonly ownKey: Pkcs8OwnKey;
  readonly certificate: Uint8Array;
}

/** GOST R 34.10-2012 key pair on the parameter set `paramSetOid`, with its certificate. */
export function gostIdentity(paramSetOid: string): GostIdentity {
  const curve = curveByOid(paramSetOid);
  const { privateKey, publicKey } = generateGostKeyPair(curve);
  return {
    ownKey: { kind: "gost", curve, privateKey },
    certificate: certificateWithSpki(gostSpki(curve, encodeGostPublicKey(publicKey))),
  };
}

export function gostSpki(curve: GostCurve, rawPublicKey: Uint8Array, algorithmOid?: string): Uint8Array {
  const algorithm =
    algorithmOid ??
    (curve.byteLength === 64 ? GOST_KEY_ALGORITHM_OIDS.gost2012_512 : GOST_KEY_ALGORITHM_OIDS.gost2012_256);
  return der(
    new asn1js.Sequence({
      value: [
        new asn1js.Sequence({
          value: [
            new asn1js.ObjectIdentifier({ value: algorithm }),
            new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: curve.oid })] }),
          ],
        }),
        new asn1js.BitString({ valueHex: der(new asn1js.OctetString({ valueHex: rawPublicKey })) }),
      ],
    }),
  );
}

export type StandardKind = "P-256" | "P-384" | "P-521" | "RSA-2048" | "Ed25519";

export async function standardIdentity(kind: StandardKind): Promise<StandardIdentity> {
  const subtle = globalThis.crypto.subtle;
  const algorithm =
    kind === "RSA-2048"
      ? {
          name: "RSASSA-PKCS1-v1_5",
          modulusLength: 2048,
          publicExponent: Uint8Array.of(1, 0, 1),
          hash: "SHA-256",
        }
      : kind === "Ed25519"
        ? { name: "Ed25519" }
        : { name: "ECDSA", namedCurve: kind };
  const pair = (await subtle.generateKey(algorithm, true, ["sign", "verify"])) as CryptoKeyPair;
  const spki = new Uint8Array(await subtle.exportKey("spki", pair.publicKey));
  const pkcs8 = new Uint8Array(await subtle.exportKey("pkcs8", pair.privateKey));
  return { ownKey: { kind: "pkcs8", pkcs8 }, certificate: certificateWithSpki(spki) };
}

/** Certificate { tbsCertificate { [0] v3, serial, sigAlg, issuer, validity, subject, spki }, sigAlg, sig }. */
export function certificateWithSpki(spki: Uint8Array): Uint8Array {
  const name = new asn1js.Sequence({
    value: [
      new asn1js.Set({
        value: [
          new asn1js.Sequence({
            value: [
              new asn1js.ObjectIdentifier({ value: "2.5.4.3" }),
              new asn1js.Utf8String({ value: "test" }),
            ],
          }),
        ],
      }),
    ],
  });
  const signatureAlgorithm = new asn1js.Sequence({
    value: [new asn1js.ObjectIdentifier({ value: "1.2.643.7.1.1.3.2" })],
  });
  const spkiNode = asn1js.fromBER(spki).result;
  const tbs = new asn1js.Sequence({
    value: [
      new asn1js.Constructed({
        idBlock: { tagClass: 3, tagNumber: 0 },
        value: [new asn1js.Integer({ value: 2 })],
      }),
      new asn1js.Integer({ value: 1 }),
      signatureAlgorithm,
      name,
      new asn1js.Sequence({
        value: [
          new asn1js.UTCTime({ valueDate: new Date(0) }),
          new asn1js.UTCTime({ valueDate: new Date(0) }),
        ],
      }),
      name,
      spkiNode,
    ],
  });
  return der(
    new asn1js.Sequence({
      value: [tbs, signatureAlgorithm, new asn1js.BitString({ valueHex: new Uint8Array(64) })],
    }),
  );
}

function der(node: asn1js.AsnType): Uint8Array {
  return new Uint8Array(node.toBER());
}
