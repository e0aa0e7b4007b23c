/** Helpers shared by the GOST PKI tests: vector files as parsed certificates, CRLs and CSRs. */
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import {
  decodeCertificateText,
  type ParsedCertificate,
  parseCertificate,
} from "../../../src/pki/certificate.ts";
import { decodePemBlocks } from "../../../src/pki/pem.ts";
import { readVector } from "../../support/vectors.ts";

export const hexBytes = (text: string): Uint8Array<ArrayBuffer> => new Uint8Array(Buffer.from(text, "hex"));

export function vectorCertificate(relative: string): ParsedCertificate {
  return parseCertificate(decodeCertificateText(new Uint8Array(readVector(relative))));
}

/** The DER of the first PEM block of a vector file. */
export function vectorPemDer(relative: string): Uint8Array {
  const [block] = decodePemBlocks(readVector(relative).toString("latin1"));
  if (!block) throw new Error(`no PEM block in ${relative}`);
  return block.der;
}

export function vectorCrl(relative: string): pkijs.CertificateRevocationList {
  return new pkijs.CertificateRevocationList({ schema: asn1js.fromBER(vectorPemDer(relative)).result });
}

export function vectorCsr(relative: string): pkijs.CertificationRequest {
  return new pkijs.CertificationRequest({ schema: asn1js.fromBER(vectorPemDer(relative)).result });
}

/** A copy with one bit flipped. */
export function flipBit(bytes: Uint8Array, bitIndex: number): Uint8Array {
  const copy = new Uint8Array(bytes);
  copy[bitIndex >> 3] = (copy[bitIndex >> 3] ?? 0) ^ (1 << (bitIndex & 7));
  return copy;
}

/** Midway through the certificate's validity: the vectors' certificates have long expired. */
export function duringValidity(cert: ParsedCertificate): Date {
  return new Date((cert.notBefore.getTime() + cert.notAfter.getTime()) / 2);
}
