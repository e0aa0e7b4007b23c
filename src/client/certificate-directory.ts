/**
 * The certificates a client knows, by id (`cid`), with the profile holding each: from its own profile, its
 * chat list and its phone look-ups. A message is verified against the certificate its `cid` names, and only
 * if that certificate belongs to the message's `pid`.
 */
import { decodeBase64 } from "../protocol/base64.ts";

export interface KnownCertificate {
  readonly pid: number;
  readonly der: Uint8Array;
}

export interface CertificateHolder {
  readonly pid: number;
  readonly certificates: ReadonlyArray<{ readonly id: number; readonly cert: string }>;
}

export class CertificateDirectory {
  private readonly byId = new Map<number, KnownCertificate>();

  add(holder: CertificateHolder): void {
    for (const { id, cert } of holder.certificates) {
      const der = decodeBase64(cert);
      if (der) this.byId.set(id, { pid: holder.pid, der });
    }
  }

  find(cid: number): KnownCertificate | undefined {
    return this.byId.get(cid);
  }
}
