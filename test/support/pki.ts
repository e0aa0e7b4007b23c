import type { KeyObject } from "node:crypto";
import type { ParsedCertificate } from "../../src/pki/certificate.ts";
import { createPki } from "../../src/pki/create-pki.ts";
import { AttributeOid } from "../../src/pki/oids.ts";
import type { CrlInput, TrustStore } from "../../src/pki/trust.ts";
import { buildCertificate, buildName, randomSerialNumber } from "../../src/pki/x509-builder.ts";
import { signerForKey } from "../../src/server/test-ca.ts";
import { readTrustPaths } from "../../src/server/trust-files.ts";

/** A trust store on a fresh PKI instance of its own (the portable algorithms, as the SDK has them). */
export function trustStoreOf(
  anchors: readonly (ParsedCertificate | Uint8Array)[],
  crls: readonly CrlInput[] = [],
  options: { qualified?: Iterable<string>; allowTestParameterSets?: boolean } = {},
): TrustStore {
  const trust = { anchors, crls, ...(options.qualified ? { qualified: options.qualified } : {}) };
  return createPki({ trust, allowTestParameterSets: options.allowTestParameterSets === true }).trust;
}

/** As `trustStoreOf`, from certificate and CRL files or folders. */
export async function trustStoreFromPaths(certPaths: string[], crlPaths: string[] = []): Promise<TrustStore> {
  return createPki({ trust: await readTrustPaths(certPaths, crlPaths) }).trust;
}

/**
 * The DER of an end-entity certificate for `spki` however it encodes its key (odd points, foreign curves), signed
 * by `issuerKey` and naming issuer and subject by common name alone, valid from an hour ago for a day.
 */
export function leafCertificate(options: {
  subject: string;
  issuer?: string;
  spki: Uint8Array;
  issuerKey: KeyObject;
}): Promise<Uint8Array> {
  return buildCertificate(
    {
      subject: buildName([{ oid: AttributeOid.commonName, value: options.subject }]),
      issuer: buildName([{ oid: AttributeOid.commonName, value: options.issuer ?? "certchat Test CA" }]),
      serialNumber: randomSerialNumber(),
      notBefore: new Date(Date.now() - 3_600_000),
      notAfter: new Date(Date.now() + 86_400_000),
      spki: options.spki,
      isCA: false,
      keyUsage: { digitalSignature: true },
    },
    signerForKey(options.issuerKey),
  );
}
