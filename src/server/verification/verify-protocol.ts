import type { TrustMaterial } from "../../pki/trust.ts";
import type { LoginCheckInput, SignatureCheckInput } from "./login-check.ts";

/** Messages between the verification pool and its workers (structured clone: plain data only). */

export interface WorkerSetup {
  trust: TrustMaterial;
  /** The main thread loaded gost-engine and it passed its self-test: use it here too. */
  gostEngine: boolean;
}

export type VerifyJob =
  | { kind: "login"; input: LoginCheckInput }
  | { kind: "signature"; input: SignatureCheckInput };

/** Replaces a worker's trust store (CRLs reloaded): a notice, not answered. */
export interface TrustUpdate {
  kind: "trust";
  trust: TrustMaterial;
}
