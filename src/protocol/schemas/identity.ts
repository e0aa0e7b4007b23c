import { type Static, Type } from "@sinclair/typebox";
import { Base64, CertificateRef, MAX_ID, MAX_SIGN_BASE64, Token } from "./common.ts";

/** Certificates are at most 64 KiB of DER; signatures at most 1 KiB (docs/DECISIONS.md §5: reject absurd sizes early). */
const MAX_CERT_BASE64 = 90_000;

export const AuthRequest = Type.Object({
  cert: Base64("The user's X.509 certificate, DER", MAX_CERT_BASE64),
  sign: Base64("Raw signature of the certificate's DER bytes", MAX_SIGN_BASE64),
});
export type AuthRequest = Static<typeof AuthRequest>;

export const AuthData = Type.Object({
  nonce: Type.String({ description: "32 random bytes, base64: sign the decoded bytes for confirmAuth" }),
  token: Type.String({ description: "Session token (UUID v4)" }),
});
export type AuthData = Static<typeof AuthData>;

export const ConfirmAuthRequest = Type.Object({
  token: Token,
  sign: Base64("Raw signature of the decoded nonce bytes", MAX_SIGN_BASE64),
});
export type ConfirmAuthRequest = Static<typeof ConfirmAuthRequest>;

export const ConfirmAuthData = Type.Object({ needRegisterPhone: Type.Boolean() });
export type ConfirmAuthData = Static<typeof ConfirmAuthData>;

export const RegistryPhoneRequest = Type.Object({
  token: Token,
  phone: Type.String({ minLength: 1, maxLength: 40, description: "Any common format: +7 (123) 123-45-67" }),
});
export type RegistryPhoneRequest = Static<typeof RegistryPhoneRequest>;

export const RegistryPhoneData = Type.Object({
  id: Type.Integer({ description: "Id of the confirmation code" }),
});
export type RegistryPhoneData = Static<typeof RegistryPhoneData>;

export const ConfirmPhoneRequest = Type.Object({
  token: Token,
  id: Type.Integer({ minimum: 1, maximum: MAX_ID, description: "The id returned by registryPhone" }),
  code: Type.Union([Type.String({ minLength: 1, maxLength: 12 }), Type.Integer({ minimum: 0 })], {
    description: "The 6-digit code from the SMS, as a string or a number",
  }),
});
export type ConfirmPhoneRequest = Static<typeof ConfirmPhoneRequest>;

export const ConfirmPhoneData = Type.Object({
  needRegisterPhone: Type.Boolean(),
  phone: Type.String({ description: "The confirmed phone, E.164 digits without +" }),
});
export type ConfirmPhoneData = Static<typeof ConfirmPhoneData>;

export const LogoutRequest = Type.Object({ token: Token });
export type LogoutRequest = Static<typeof LogoutRequest>;
export const LogoutData = Type.Object({});
export type LogoutData = Static<typeof LogoutData>;

export const ProfileRequest = Type.Object({ token: Token });
export type ProfileRequest = Static<typeof ProfileRequest>;

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);

export const ProfileData = Type.Object({
  pid: Type.Integer(),
  cid: Type.Integer({ description: "The certificate of this session" }),
  type: Type.Integer({ description: "0 unknown, 1 private person, 2 sole proprietor, 3 employee" }),
  name: Type.String({ description: "Фамилия Имя Отчество" }),
  company: Nullable(Type.String()),
  title: Nullable(Type.String()),
  inn: Nullable(Type.String()),
  ogrn: Nullable(Type.String()),
  orgn: Nullable(Type.String({ description: "Same as ogrn: the deployed clients' spelling" })),
  snils: Nullable(Type.String()),
  phone: Nullable(Type.String()),
  photo: Nullable(Type.String()),
  billing: Type.Object({ balance: Type.Number({ description: "Roubles, two decimals" }) }),
  certificates: Type.Array(CertificateRef),
});
export type ProfileData = Static<typeof ProfileData>;
