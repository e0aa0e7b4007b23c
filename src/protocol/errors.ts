/**
 * The error catalogue of the API (spec "Коды ошибок"). Every failure a client sees is one of these codes,
 * carried in the envelope `{success: false, error}` with HTTP 200.
 */
export const ErrorCodes = [
  "CommonError",
  "DataError",
  "MethodNotFound",
  "AuthenticationFailed",
  "NeedAuthentication",
  "SessionExpired",
  "CertificateExpired",
  "IncorrectCode",
  "NeedRegisterPhone",
  "PhoneAlreadyRegistered",
  "WrongPassword",
  "WrongContainer",
  "InvalidSchema",
  "InvalidSignature",
  "InvalidCertificate",
  "InvalidResponse",
  "SimpleSign",
  "CryptoError",
  "EncryptError",
  "DecryptError",
  "NetworkError",
  "SMSError",
  "CreateChatError",
  "CreateChatKeysError",
  "GetChatsError",
] as const;

export type ErrorCode = (typeof ErrorCodes)[number];

/** A failure that maps to one API error code. `detail` is for logs only and never reaches a client. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail?: string,
  ) {
    super(detail ? `${code}: ${detail}` : code);
    this.name = "ApiError";
  }
}
