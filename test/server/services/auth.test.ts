import assert from "node:assert/strict";
import { test } from "node:test";
import pino from "pino";
import { encodeBase64 } from "../../../src/protocol/base64.ts";
import { ApiError, type ErrorCode } from "../../../src/protocol/errors.ts";
import { AuthService } from "../../../src/server/services/auth.ts";
import { PostgresLoginCommitter } from "../../../src/server/services/login-commit/login-committer.ts";
import type { Executor } from "../../../src/server/storage/repositories/executor.ts";
import type { LoginChecker } from "../../../src/server/verification/login-check.ts";
import { VerificationUnavailableError } from "../../../src/server/verification/verify-pool.ts";

/** A checker that records what reached it and answers as told; the database is never reached here. */
function serviceWith(answer: () => Promise<never>) {
  const calls: string[] = [];
  const checker: LoginChecker = {
    checkLogin: () => {
      calls.push("login");
      return answer();
    },
    checkSignature: () => {
      calls.push("signature");
      return answer();
    },
  };
  const auth = new AuthService({
    db: {} as Executor,
    committer: new PostgresLoginCommitter({} as Executor),
    checker,
    clock: () => 0,
    nonceTtlMs: 60_000,
    logger: pino({ level: "silent" }),
  });
  return { auth, calls };
}

function apiError(code: ErrorCode) {
  return (error: unknown) => error instanceof ApiError && error.code === code;
}

const cert = (bytes: number) => encodeBase64(new Uint8Array(bytes).fill(0x30));

test("a pool without an answer (full queue, dead worker) is CryptoError", async () => {
  for (const reason of ["queue-full", "worker-failed", "timeout", "closed"] as const) {
    const { auth } = serviceWith(() => Promise.reject(new VerificationUnavailableError(reason, reason)));
    await assert.rejects(
      auth.login({ cert: cert(500), sign: cert(64) }, "10.0.0.1"),
      apiError("CryptoError"),
    );
  }
});

test("absurdly large input is refused before it reaches the verifier", async () => {
  const { auth, calls } = serviceWith(() => Promise.reject(new Error("must not be called")));
  const cases: [string, string, ErrorCode][] = [
    [cert(64 * 1024 + 1), cert(64), "InvalidCertificate"],
    ["A".repeat(10 * 1024 * 1024), cert(64), "InvalidCertificate"],
    [cert(500), cert(1025), "InvalidSignature"],
    [cert(500), "A".repeat(1024 * 1024), "InvalidSignature"],
  ];
  for (const [certText, sign, code] of cases) {
    await assert.rejects(auth.login({ cert: certText, sign }, "10.0.0.1"), apiError(code));
  }
  await assert.rejects(auth.confirm("some-token", cert(1025)), apiError("InvalidSignature"));
  assert.deepEqual(calls, []);
});
