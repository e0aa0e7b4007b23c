/**
 * The error catalogue of the API (spec "Коды ошибок"). Every failure a client sees is one of these codes,
 * carried in the envelope `{success: false, error}` with HTTP 200 (docs/API.md).
 *
 * Each code has the human sentence the SDK shows, and the HTTP status it has where an answer does not use
 * HTTP 200: the raw download `GET /api/file/:chat/:file` (so `curl --fail` never saves an error as the file)
 * and the transport failures outside the API's methods (an unknown path, a request that is not valid HTTP, a
 * timeout). Codes the server never sends on those paths still have a status, chosen by the same reading.
 */
const catalogue = {
  CommonError: { sentence: "the server failed unexpectedly", rawStatus: 500 },
  DataError: { sentence: "the data is too large, or the file is unknown", rawStatus: 404 },
  MethodNotFound: { sentence: "the server has no such method", rawStatus: 404 },
  AuthenticationFailed: {
    sentence: "login failed: the nonce was used or expired, or too many attempts",
    rawStatus: 401,
  },
  NeedAuthentication: { sentence: "not logged in: run `certchat login`", rawStatus: 401 },
  SessionExpired: { sentence: "the session expired: run `certchat login` again", rawStatus: 401 },
  CertificateExpired: { sentence: "the certificate has expired", rawStatus: 401 },
  IncorrectCode: { sentence: "the SMS code is wrong or expired", rawStatus: 400 },
  NeedRegisterPhone: {
    sentence:
      "this profile has no confirmed phone yet, or this certificate is new to it: log in with --phone",
    rawStatus: 401,
  },
  PhoneAlreadyRegistered: {
    sentence:
      "the phone belongs to another person, or is not the phone of the profile this certificate renews",
    rawStatus: 409,
  },
  WrongPassword: { sentence: "the key container's password is wrong", rawStatus: 400 },
  WrongContainer: { sentence: "the key container is not usable", rawStatus: 400 },
  InvalidSchema: { sentence: "the server refused the request as malformed", rawStatus: 400 },
  InvalidSignature: { sentence: "the signature does not verify with the certificate", rawStatus: 400 },
  InvalidCertificate: {
    sentence: "the certificate is not trusted, revoked, or not of this profile",
    rawStatus: 401,
  },
  InvalidResponse: { sentence: "the server's answer was not a certchat envelope", rawStatus: 502 },
  SimpleSign: { sentence: "the simple signature could not be made", rawStatus: 400 },
  CryptoError: { sentence: "the server could not check the signature now; try again", rawStatus: 503 },
  EncryptError: { sentence: "encryption failed", rawStatus: 500 },
  DecryptError: { sentence: "decryption failed", rawStatus: 500 },
  // The server sends it only for a request that did not arrive in time (Node's request timeout).
  NetworkError: { sentence: "the server could not be reached", rawStatus: 408 },
  SMSError: { sentence: "the SMS could not be sent (gateway failure or resend limit)", rawStatus: 502 },
  CreateChatError: { sentence: "the chat could not be created", rawStatus: 400 },
  CreateChatKeysError: { sentence: "the chat keys do not cover every member certificate", rawStatus: 400 },
  GetChatsError: {
    sentence: "no such chat, or you are not a member (or may not post in this channel)",
    rawStatus: 404,
  },
  // Not in the spec (issue 13): the one code that tells a client to refresh and retry rather than give up.
  ChatKeyOutdated: {
    sentence: "the chat's key or members changed: fetch them and retry",
    rawStatus: 409,
  },
} as const satisfies Record<string, { sentence: string; rawStatus: number }>;

export type ErrorCode = keyof typeof catalogue;

/** Every code: the spec's, in its order, then certchat's own (ChatKeyOutdated). */
export const ErrorCodes = Object.keys(catalogue) as readonly ErrorCode[];

/**
 * One human sentence for an API error code (what the SDK's errors say). A server that is not certchat may send
 * a code outside the catalogue: it is shown as it came.
 */
export function describeErrorCode(code: ErrorCode): string {
  return catalogue[code]?.sentence ?? code;
}

/** The HTTP status of a code where answers do not use HTTP 200 (the raw download, transport failures). */
export function rawStatusOf(code: ErrorCode): number {
  return catalogue[code]?.rawStatus ?? 500;
}

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
