import type { TrustMaterial } from "../../pki/trust.ts";
import type { ReportedError } from "../workers/protocol.ts";
import type { LoginCheckInput, LoginVerdict, SignatureCheckInput, SignatureVerdict } from "./login-check.ts";

/** Messages between the verification pool and its workers (structured clone: plain data only). */

export interface WorkerSetup {
  trust: TrustMaterial;
  /** The main thread loaded gost-engine and it passed its self-test: use it here too. */
  gostEngine: boolean;
}

export type VerifyJob =
  | { kind: "login"; input: LoginCheckInput }
  | { kind: "signature"; input: SignatureCheckInput };

/**
 * The jobs a worker is handed at once, answered together in their order: one message each way for all of
 * them, since on a busy single core the hop costs as much as an ECDSA verification.
 */
export interface VerifyBatch {
  jobs: VerifyJob[];
}

/** A job's verdict with the time the worker spent on it, or why its check threw. */
export type JobOutcome =
  | { verdict: LoginVerdict | SignatureVerdict; seconds: number }
  | { error: ReportedError };

/** Replaces a worker's trust store (CRLs reloaded): a notice, not answered. */
export interface TrustUpdate {
  kind: "trust";
  trust: TrustMaterial;
}
