import { type PkiAcceleration, PkiAlgorithms, type VerifyResult } from "./algorithms.ts";
import type { ParsedCertificate } from "./certificate.ts";
import { type CmsVerifyOptions, type CmsVerifyResult, verifyCmsSignedData } from "./cms.ts";
import { GostPublicKeyCache } from "./gost/public-keys.ts";
import { addGostAlgorithms } from "./gost/register.ts";
import { CertchatCryptoEngine } from "./pkijs-engine.ts";
import { addStandardAlgorithms, verifyRawSignature } from "./signature.ts";
import { type ChainStatus, type TrustContext, type TrustInput, TrustStore } from "./trust.ts";

/**
 * One PKI: its algorithms (standard and GOST, plus any accelerations), its pkijs engine, its key caches and
 * its trust store. Everything lives in the instance — nothing is registered or switched process-wide — so the
 * server (node:crypto and gost-engine accelerations), each verification worker, the CLI and the SDK each
 * build their own, and two instances never see each other's anchors or verifiers.
 */

export interface PkiOptions {
  /** Trust anchors, intermediates, CRLs and qualified CAs; none by default (every chain is then untrusted). */
  trust?: TrustInput;
  /** Accept the standards' GOST test parameter sets: for test vectors only. */
  allowTestParameterSets?: boolean;
  /** Faster verifiers installed over the portable ones, in order (the server's node:crypto and gost-engine). */
  accelerations?: readonly PkiAcceleration[];
}

export interface Pki {
  /** The pkijs engine to pass to pkijs calls that verify (certificate.verify, crl.verify, SignedData.verify). */
  readonly engine: CertchatCryptoEngine;
  readonly trust: TrustStore;
  /** The same algorithms, engine and caches with other trust material (reloaded CRLs, a worker's copy). */
  withTrust(trust: TrustInput): Pki;
  /** Validity, chain to this instance's anchors, revocation and key usage. Never throws. */
  checkCertificate(cert: ParsedCertificate, now?: Date): Promise<ChainStatus>;
  /** A raw signature over data by the certificate's key. Never throws. */
  verifyRawSignature(cert: ParsedCertificate, data: Uint8Array, signature: Uint8Array): Promise<VerifyResult>;
  /** CMS SignedData; the signer is matched, not chained (checkCertificate does that). Never throws. */
  verifyCms(cmsDer: Uint8Array, options?: CmsVerifyOptions): Promise<CmsVerifyResult>;
  /** Whether `issuer`'s key made `cert`'s signature. */
  verifyIssuedBy(cert: ParsedCertificate, issuer: ParsedCertificate): Promise<boolean>;
}

export function createPki(options: PkiOptions = {}): Pki {
  const algorithms = new PkiAlgorithms();
  const gostKeys = new GostPublicKeyCache();
  addStandardAlgorithms(algorithms);
  addGostAlgorithms(algorithms, gostKeys);
  for (const accelerate of options.accelerations ?? []) accelerate(algorithms);
  const engine = new CertchatCryptoEngine(algorithms, options);
  const context: TrustContext = { engine, warm: (anchors) => gostKeys.warm(anchors) };

  const withTrust = (input: TrustInput): Pki => {
    const trust = new TrustStore(input, context);
    return {
      engine,
      trust,
      withTrust,
      checkCertificate: (cert, now) => trust.check(cert, now),
      verifyRawSignature: (cert, data, signature) => verifyRawSignature(algorithms, cert, data, signature),
      verifyCms: (cmsDer, cmsOptions) => verifyCmsSignedData(engine, cmsDer, cmsOptions),
      verifyIssuedBy: (cert, issuer) =>
        cert.certificate.verify(issuer.certificate, engine).catch(() => false),
    };
  };
  return withTrust(options.trust ?? { anchors: [] });
}
