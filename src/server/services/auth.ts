import { randomBytes, randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { decodeBase64, encodeBase64 } from "../../protocol/base64.ts";
import { ApiError } from "../../protocol/errors.ts";
import type { AuthData, ConfirmAuthData } from "../../protocol/schemas/identity.ts";
import { CertificateError, type ParsedCertificate, parseCertificate } from "../pki/certificate.ts";
import { verifyRawSignature } from "../pki/signature.ts";
import type { TrustStore } from "../pki/trust.ts";
import { findCertificateById, findOrInsertCertificate } from "../storage/repositories/certificates.ts";
import type { Executor } from "../storage/repositories/executor.ts";
import { findProfileById, upsertProfile } from "../storage/repositories/profiles.ts";
import {
  confirmSession,
  findSessionByToken,
  insertSession,
  takeNonce,
} from "../storage/repositories/sessions.ts";
import type { Clock } from "./clock.ts";
import { idCheckProblems, profileFieldsOf } from "./profile-identity.ts";

export interface AuthServiceOptions {
  db: Executor;
  trust: TrustStore;
  clock: Clock;
  nonceTtlMs: number;
  logger: Logger;
}

function decodeField(text: string, field: string): Uint8Array {
  const bytes = decodeBase64(text);
  if (!bytes || bytes.length === 0) throw new ApiError("InvalidSchema", `${field} is not base64`);
  return bytes;
}

/** Login by certificate: /api/auth/ checks the certificate and its signature, /api/confirmAuth/ the nonce. */
export class AuthService {
  constructor(private readonly options: AuthServiceOptions) {}

  async login(request: { cert: string; sign: string }, clientAddress: string): Promise<AuthData> {
    const der = decodeField(request.cert, "cert");
    const signature = decodeField(request.sign, "sign");
    const certificate = this.parse(der);
    const now = this.options.clock();
    const status = await this.options.trust.check(certificate, new Date(now));
    if (!status.ok) {
      throw new ApiError(
        status.reason === "expired" ? "CertificateExpired" : "InvalidCertificate",
        status.detail,
      );
    }
    const verdict = await verifyRawSignature(certificate, der, signature);
    if (!verdict.valid) throw new ApiError("InvalidSignature", verdict.reason);
    this.logBadIds(certificate);

    const nonce = new Uint8Array(randomBytes(32));
    const token = randomUUID();
    const fields = profileFieldsOf(certificate);
    await this.options.db.transaction().execute(async (trx) => {
      const profile = await upsertProfile(trx, fields, now);
      const row = await findOrInsertCertificate(
        trx,
        {
          profile_id: profile.id,
          fingerprint: certificate.fingerprint,
          der,
          subject_dn: certificate.subjectDn,
          issuer_dn: certificate.issuerDn,
          serial: certificate.serialNumber,
          not_before: certificate.notBefore.getTime(),
          not_after: certificate.notAfter.getTime(),
          key_algorithm: certificate.keyAlgorithm,
        },
        now,
      );
      await insertSession(trx, {
        token,
        certificate_id: row.id,
        profile_id: row.profile_id,
        nonce,
        nonce_expires_at: now + this.options.nonceTtlMs,
        created_at: now,
        last_seen_at: now,
        client_address: clientAddress,
      });
    });
    return { nonce: encodeBase64(nonce), token };
  }

  async confirm(token: string | undefined, sign: string): Promise<ConfirmAuthData> {
    if (!token) throw new ApiError("NeedAuthentication", "no token");
    const signature = decodeField(sign, "sign");
    const existing = await findSessionByToken(this.options.db, token);
    if (!existing) throw new ApiError("NeedAuthentication", "unknown token");
    // Each nonce answers one confirmation attempt: a replay, a second try or a late answer needs a new login.
    const session = await takeNonce(this.options.db, token);
    if (!session?.nonce) throw new ApiError("AuthenticationFailed", "nonce already used");
    if (this.options.clock() > session.nonce_expires_at)
      throw new ApiError("AuthenticationFailed", "nonce expired");

    const row = await findCertificateById(this.options.db, session.certificate_id);
    if (!row) throw new ApiError("AuthenticationFailed", "session certificate missing");
    const certificate = this.parse(new Uint8Array(row.der));
    const verdict = await verifyRawSignature(certificate, new Uint8Array(session.nonce), signature);
    if (!verdict.valid) throw new ApiError("InvalidSignature", verdict.reason);

    await confirmSession(this.options.db, session.id, this.options.clock());
    const profile = await findProfileById(this.options.db, session.profile_id);
    return { needRegisterPhone: profile?.user_id === null || profile === undefined };
  }

  private parse(der: Uint8Array): ParsedCertificate {
    try {
      return parseCertificate(der);
    } catch (error) {
      if (error instanceof CertificateError) throw new ApiError("InvalidCertificate", error.message);
      throw error;
    }
  }

  /** Bad INN/SNILS/OGRN check digits are reported for the operator, never held against the user. */
  private logBadIds(certificate: ParsedCertificate): void {
    const problems = idCheckProblems(certificate.subject);
    if (problems.length > 0) {
      this.options.logger.warn(
        { fingerprint: certificate.fingerprint, problems },
        "certificate has bad check digits",
      );
    }
  }
}
