import { createPki, type Pki } from "../../pki/create-pki.ts";
import type { TrustInput } from "../../pki/trust.ts";
import { gostEngineForRawSignatures } from "./gost-engine.ts";
import { nodeCryptoVerifiers } from "./node-verifiers.ts";

/**
 * The server's PKI instance, in the main thread and in each verification worker: the portable src/pki with
 * node:crypto verifiers for ECDSA, RSA and Ed25519, and gost-engine for GOST raw signatures when it loaded
 * and passed its self-test in this process (`gostEngine`). The CLI's `pki` commands use it too.
 */
export function createServerPki(
  options: { trust?: TrustInput; gostEngine?: boolean; allowTestParameterSets?: boolean } = {},
): Pki {
  return createPki({
    ...(options.trust ? { trust: options.trust } : {}),
    allowTestParameterSets: options.allowTestParameterSets === true,
    accelerations: [nodeCryptoVerifiers(), ...(options.gostEngine ? [gostEngineForRawSignatures()] : [])],
  });
}
