import { randomBytes, randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { MAX_CERTIFICATE_BYTES } from "../../pki/certificate.ts";
import { keyAgreementGroup } from "../../pki/key-agreement.ts";
import { MAX_SIGNATURE_BYTES } from "../../pki/signature.ts";
import { decodeBase64, encodeBase64 } from "../../protocol/base64.ts";
import { ApiError, type ErrorCode } from "../../protocol/errors.ts";
import type { AuthData, ConfirmAuthData } from "../../protocol/schemas/identity.ts";
import type { Executor } from "../storage/repositories/executor.ts";
import { findPendingLogin } from "../storage/repositories/sessions.ts";
import type { CertificateFacts, LoginChecker, Refusal } from "../verification/login-check.ts";
import { refuseOversized } from "../verification/login-check.ts";
import { VerificationUnavailableError } from "../verification/verify-pool.ts";
import type { Clock } from "./clock.ts";
import type { LoginCommitter } from "./login-commit/login-committer.ts";
import { idCheckProblems, profileFieldsOf } from "./profile-identity.ts";

export interface AuthServiceOptions {
  /** Reads. */
  db: Executor;
  /** The login's writes, each acknowledged after its commit. */
  committer: LoginCommitter;
  /** Certificate, chain and signature checks: the verification pool, or in-thread in tests. */
  checker: LoginChecker;
  clock: Clock;
  nonceTtlMs: number;
  logger: Logger;
}

/**
 * Base64 field → bytes. Text far longer than any acceptable value is refused before decoding (the body
 * limit alone would let megabytes through to the decoder); twice the byte limit leaves room for line breaks.
 */
function decodeField(text: string, field: string, maxBytes: number, tooLarge: ErrorCode): Uint8Array {
  if (text.length > 2 * maxBytes)
    throw new ApiError(tooLarge, `${field} too large (${text.length} characters)`);
  const bytes = decodeBase64(text);
  if (!bytes || bytes.length === 0) throw new ApiError("InvalidSchema", `${field} is not base64`);
  return bytes;
}

const REFUSAL_CODES: Record<Refusal["problem"], ErrorCode> = {
  certificate: "InvalidCertificate",
  expired: "CertificateExpired",
  signature: "InvalidSignature",
};

function refusalError(refusal: Refusal): ApiError {
  return new ApiError(REFUSAL_CODES[refusal.problem], refusal.detail);
}

/** The pool had no answer (full queue, dead worker, timeout): the spec's CryptoError, "crypto module error". */
async function checked<T>(check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (error) {
    if (error instanceof VerificationUnavailableError) throw new ApiError("CryptoError", error.message);
    throw error;
  }
}

/** Login by certificate: /api/auth/ checks the certificate and its signature, /api/confirmAuth/ the nonce. */
export class AuthService {
  constructor(private readonly options: AuthServiceOptions) {}

  async login(request: { cert: string; sign: string }, clientAddress: string): Promise<AuthData> {
    const der = decodeField(request.cert, "cert", MAX_CERTIFICATE_BYTES, "InvalidCertificate");
    const signature = decodeField(request.sign, "sign", MAX_SIGNATURE_BYTES, "InvalidSignature");
    const oversized = refuseOversized({ der, signature });
    if (oversized) throw refusalError(oversized);
    const now = this.options.clock();
    const verdict = await checked(() => this.options.checker.checkLogin({ der, signature, now }));
    if (!verdict.ok) throw refusalError(verdict);
    const certificate = verdict.certificate;
    this.logBadIds(certificate);

    const nonce = new Uint8Array(randomBytes(32));
    const token = randomUUID();
    await this.options.committer.openSession({
      certificate: {
        fingerprint: certificate.fingerprint,
        der,
        subject_dn: certificate.subjectDn,
        issuer_dn: certificate.issuerDn,
        serial: certificate.serialNumber,
        not_before: certificate.notBefore.getTime(),
        not_after: certificate.notAfter.getTime(),
        key_algorithm: certificate.keyAlgorithm,
        key_agreement: keyAgreementGroup(certificate),
      },
      fields: profileFieldsOf(certificate, verdict.qualified),
      token,
      nonce,
      nonceExpiresAt: now + this.options.nonceTtlMs,
      clientAddress,
      now,
    });
    return { nonce: encodeBase64(nonce), token };
  }

  async confirm(token: string | undefined, sign: string): Promise<ConfirmAuthData> {
    if (!token) throw new ApiError("NeedAuthentication", "no token");
    const signature = decodeField(sign, "sign", MAX_SIGNATURE_BYTES, "InvalidSignature");
    if (signature.byteLength > MAX_SIGNATURE_BYTES)
      throw new ApiError("InvalidSignature", "signature too large");
    const { db, clock } = this.options;
    // One read: the session, its certificate's DER and whether its profile has a user yet.
    const pending = await findPendingLogin(db, token);
    if (!pending) throw new ApiError("NeedAuthentication", "unknown token");
    const { session, certificateDer } = pending;
    // Each nonce answers one confirmation attempt: a replay, a second try or a late answer needs a new login.
    // The nonce is cleared by the commit that confirms (one write per login instead of two), or after a
    // failed attempt.
    if (!session.nonce || session.confirmed !== 0)
      throw new ApiError("AuthenticationFailed", "nonce already used");
    if (clock() > session.nonce_expires_at) throw new ApiError("AuthenticationFailed", "nonce expired");

    try {
      if (!certificateDer || !pending.certificate)
        throw new ApiError("AuthenticationFailed", "session certificate missing");
      // /api/auth/ validated the certificate; what may have changed since is its mark (a reloaded CRL, an
      // intermediate revoked) and the time: checked on the row just read, without validating the chain again.
      if (pending.certificate.revokedAt !== null)
        throw new ApiError("InvalidCertificate", "certificate revoked since /api/auth/");
      if (clock() > pending.certificate.notAfter)
        throw new ApiError("CertificateExpired", "certificate expired since /api/auth/");
      const input = { der: new Uint8Array(certificateDer), data: new Uint8Array(session.nonce), signature };
      const verdict = await checked(() => this.options.checker.checkSignature(input));
      if (!verdict.ok) throw refusalError(verdict);
    } catch (error) {
      await this.options.committer.dropNonce(session.id);
      throw error;
    }
    const { id, profile_id, certificate_id, client_address } = session;
    const confirmation = { session: { id, profile_id, certificate_id, client_address }, now: clock() };
    if (!(await this.options.committer.confirmSession(confirmation)))
      throw new ApiError("AuthenticationFailed", "nonce already used");
    // As read with the session: a phone that another session of the profile confirms meanwhile counts from the
    // next login on (the read after the commit raced with it as well).
    return { needRegisterPhone: pending.userId === null };
  }

  /** Bad INN/SNILS/OGRN check digits are reported for the operator, never held against the user. */
  private logBadIds(certificate: CertificateFacts): void {
    const problems = idCheckProblems(certificate.subject);
    if (problems.length > 0) {
      this.options.logger.warn(
        { fingerprint: certificate.fingerprint, problems },
        "certificate has bad check digits",
      );
    }
  }
}
