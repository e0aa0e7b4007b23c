import type { TrustMaterial } from "../../pki/trust.ts";
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

export type VerifyRequest = VerifyJob & { id: number };

/** Replaces a worker's trust store (CRLs reloaded); not answered. */
export interface TrustUpdate {
  kind: "trust";
  trust: TrustMaterial;
}

export type WorkerMessage =
  | { type: "ready" }
  | { type: "done"; id: number; verdict: LoginVerdict | SignatureVerdict }
  | { type: "failed"; id: number; message: string };
