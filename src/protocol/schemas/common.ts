import { type TSchema, Type } from "@sinclair/typebox";
import { type ErrorCode, ErrorCodes } from "../errors.ts";

/**
 * Text that reaches the database: PostgreSQL refuses a NUL character in a text value (the query fails), so a
 * NUL is malformed input, whichever database is configured.
 */
export const NO_NUL = "^[^\\u0000]*$";

/**
 * Text every member is shown as it was sent (a chat's name, which its creator's key rows sign over, so it cannot be
 * cleaned up): no control characters (C0, DEL, C1: NUL among them, and terminal escapes) and no bidirectional
 * controls (U+202E would show the rest reversed: "Бухгалтерия\u202Eexe.fdp" reads "Бухгалтерияpdf.exe").
 */
export const SHOWN_TEXT =
  "^[^\\u0000-\\u001F\\u007F-\\u009F\\u061C\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069]*$";

/** Row ids (messages, certificates, profiles, codes): PostgreSQL's bigint; JSON numbers stay exact below this. */
export const MAX_ID = Number.MAX_SAFE_INTEGER;

/** The session token: in the body, or in `Authorization: Bearer` (then the body may omit it). */
export const Token = Type.Optional(Type.String({ maxLength: 200, description: "Session token (UUID v4)" }));

/** A raw signature (auth, confirmAuth, a message's `sign`): RSA-8192 is 1 KiB, GOST-512 128 bytes. */
export const MAX_SIGN_BYTES = 1024;
/** Its base64, with room for line breaks (Android's Base64.DEFAULT). */
export const MAX_SIGN_BASE64 = 1_400;

/** A wrapped chat key is a few hundred bytes (GOST key-transport blobs); 8 KiB of base64 is plenty. */
export const MAX_KEY_BASE64 = 8_192;

/** Chat ids are UUIDs; anything else is simply an unknown chat (GetChatsError), not a schema failure. */
export const ChatId = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: NO_NUL,
  description: "Chat id (UUID)",
});

/**
 * The characters decodeBase64 (src/protocol/base64.ts) reads: both alphabets, padding, line breaks and a space
 * (a "+" a form left unescaped). For a field stored as sent rather than decoded (a key row's `sign`).
 */
export const BASE64_TEXT = "^[A-Za-z0-9+/=_ \\r\\n\\t-]+$";

export const Base64 = (description: string, maxLength: number, pattern?: string) =>
  Type.String({
    minLength: 1,
    maxLength,
    description: `${description} (base64)`,
    ...(pattern ? { pattern } : {}),
  });

/** Every response is this envelope with HTTP 200 (docs/API.md, "Conventions"). */
export function Envelope<T extends TSchema>(data: T) {
  return Type.Object({
    success: Type.Boolean(),
    error: Type.Optional(Type.Union(ErrorCodes.map((code) => Type.Literal(code)))),
    data: Type.Optional(data),
  });
}

/** The envelope of a success: its `data`. */
export interface SuccessEnvelope<T> {
  success: true;
  data: T;
  error?: undefined;
}

/** The envelope of a failure: its code. */
export interface FailureEnvelope {
  success: false;
  error: ErrorCode;
  data?: undefined;
}

/**
 * The envelope as a type (every HTTP answer and socket ack): one of the two shapes. `error` and `data` can be
 * read on either, so a client can check an answer it has not yet told apart.
 */
export type Envelope<T> = SuccessEnvelope<T> | FailureEnvelope;

export const CertificateRef = Type.Object({
  id: Type.Integer({ description: "Certificate id (cid)" }),
  cert: Type.String({ description: "DER of the certificate, base64" }),
});

/** A string or null. */
export const NullableText = Type.Union([Type.String(), Type.Null()]);

/** A profile as chat entries and member lists show it (spread into their objects; wire order as here). */
export const PersonFields = {
  uid: Type.Integer({ description: "User id (the phone's owner)" }),
  pid: Type.Integer({ description: "Profile id" }),
  user: Type.String({ description: "Full name" }),
  name: Type.String({ description: "Company, else the full name" }),
  title: NullableText,
  phone: Type.String(),
  photo: NullableText,
  type: Type.Integer({ description: "Profile type: 0 unknown, 1 person, 2 sole proprietor, 3 employee" }),
};
