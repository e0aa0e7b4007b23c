/**
 * Where the page's signer comes from. Key files read in the page are one source (files.ts); a hardware token or
 * the CryptoPro browser plug-in would be another, implementing the same interface. The SDK's `Signer` is what
 * every source yields: the certificate, raw and CMS signatures, and the key for chat keys.
 */
import type { Signer } from "../../../src/client/signing.ts";

export type { Signer };

export interface KeySource {
  /** What kind of source it is ("files", "pfx"; later e.g. "cryptopro"). */
  readonly kind: string;
  /** Reads (and, for encrypted containers, decrypts) the key; throws a UserFacingError on a bad input. */
  open(): Promise<Signer>;
}
